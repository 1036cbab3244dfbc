// Command specschema writes render/spec/cluster.schema.json, the JSON Schema
// of cluster.yaml, from the spec's types and their doc comments. Run it from
// the repository's root (make schema); a test fails when the file is stale.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/k8sgen/k8sgen/render/spec"
)

func main() {
	dir := filepath.Join("render", "spec")
	docs, err := spec.FieldDocs(dir)
	if err == nil {
		var b []byte
		if b, err = spec.GenerateSchema(docs); err == nil {
			err = os.WriteFile(filepath.Join(dir, "cluster.schema.json"), b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "specschema:", err)
		os.Exit(1)
	}
}
