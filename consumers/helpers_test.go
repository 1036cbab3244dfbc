package consumers

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"testing"
)

// TestHelpers covers the harness's own parsing so it is exercised even where the tools are missing.
func TestHelpers(t *testing.T) {
	script, err := commandScript([]any{"echo hi", []any{"sh", "-c", "echo it's $HOME"}, []any{"true", 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := "#!/bin/sh\necho hi\n'sh' '-c' 'echo it'\\''s $HOME'\n'true' '1'\n"
	if script != want {
		t.Errorf("commandScript = %q, want %q", script, want)
	}
	if _, err := commandScript([]any{map[string]any{"a": 1}}); err == nil {
		t.Error("commandScript accepted a mapping entry")
	}

	for content, want := range map[string]string{
		"echo":                   "bash",
		"#!/bin/sh\n":            "sh",
		"#!/usr/bin/env bash\n":  "bash",
		"#! /bin/bash -eu\n":     "bash",
		"#!/usr/bin/python3\n":   "",
		"#!/usr/bin/env python3": "",
	} {
		got, ok := shellFor(content)
		if got != want || ok != (want != "") {
			t.Errorf("shellFor(%q) = %q, %v; want %q", content, got, ok, want)
		}
	}

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("zipped"))
	zw.Close()
	for _, tc := range []struct{ enc, content, want string }{
		{"", "plain", "plain"},
		{"b64", base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\n")), "#!/bin/sh\n"},
		{"base64", "aGVs\nbG8=\n", "hello"},
		{"gz+b64", base64.StdEncoding.EncodeToString(gz.Bytes()), "zipped"},
	} {
		got, err := decodeContent(writeFile{Encoding: tc.enc, Content: tc.content})
		if err != nil || got != tc.want {
			t.Errorf("decodeContent(%q) = %q, %v; want %q", tc.enc, got, err, tc.want)
		}
	}
	if _, err := decodeContent(writeFile{Encoding: "rot13", Content: "x"}); err == nil {
		t.Error("decodeContent accepted an unknown encoding")
	}

	for in, want := range map[string]string{"1.30.14": "1.30.0", "v1.32.3": "1.32.0", "1.37.0": "1.37.0"} {
		if got, err := kubeadmVersion(in); err != nil || got != want {
			t.Errorf("kubeadmVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := kubeadmVersion("1.32"); err == nil {
		t.Error("kubeadmVersion accepted 1.32")
	}
}
