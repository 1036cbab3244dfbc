package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseLease(t *testing.T) {
	l, err := parseLease("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n")
	if err != nil {
		t.Fatal(err)
	}
	if l.network.String() != "10.244.0.0/16" || l.subnet.String() != "10.244.3.0/24" || l.mtu != 1450 || !l.ipMasq {
		t.Errorf("lease = %+v", l)
	}
	for _, bad := range []string{
		"",
		"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.99.3.1/24\nFLANNEL_MTU=1450\n", // outside
		"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=x\n",
		"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=maybe\n",
		"FLANNEL_NETWORK=10.244.0.0/16\ngarbage\n",
	} {
		if _, err := parseLease(bad); err == nil {
			t.Errorf("parseLease(%q) accepted", bad)
		}
	}
}

// fakeBridge is a delegate that records its command and configuration and answers
// ADD with a CNI 0.3.1 result.
const fakeBridge = `#!/bin/sh
cat > "$RECORD_DIR/$CNI_COMMAND.json"
if [ "$CNI_COMMAND" = ADD ]; then
  echo '{"cniVersion":"0.3.1","interfaces":[{"name":"cni0"}],"ips":[{"version":"4","address":"10.244.3.2/24","gateway":"10.244.3.1"}]}'
fi
`

// run executes the built plugin like a container runtime does.
func run(t *testing.T, bin, command string, env []string, conf string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = append([]string{"CNI_COMMAND=" + command, "CNI_CONTAINERID=ctr1", "CNI_NETNS=/var/run/netns/x", "CNI_IFNAME=eth0"}, env...)
	cmd.Stdin = strings.NewReader(conf)
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	return out.String(), err
}

func TestPluginDelegatesToBridge(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "flannel")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cniPath := filepath.Join(dir, "bin")
	records := filepath.Join(dir, "records")
	for _, d := range []string{cniPath, records} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(cniPath, "bridge"), []byte(fakeBridge), 0o755); err != nil {
		t.Fatal(err)
	}
	subnet := filepath.Join(dir, "subnet.env")
	data := filepath.Join(dir, "data")
	conf, _ := json.Marshal(map[string]any{
		"cniVersion": "0.3.1", "name": "cbr0", "type": "flannel",
		"subnetFile": subnet, "dataDir": data,
		"delegate": map[string]any{"hairpinMode": true, "isDefaultGateway": true},
	})
	env := []string{"CNI_PATH=" + cniPath, "RECORD_DIR=" + records, "PATH=/usr/bin:/bin"}

	// Before flanneld has a lease, ADD fails with a CNI error and calls nothing.
	if out, err := run(t, bin, "ADD", env, string(conf)); err == nil || !strings.Contains(out, "lease") {
		t.Fatalf("ADD without a lease: err %v, out %s", err, out)
	}
	if err := os.WriteFile(subnet, []byte("FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := run(t, bin, "ADD", env, string(conf))
	if err != nil {
		t.Fatalf("ADD: %v: %s", err, out)
	}
	var res struct {
		CNIVersion string `json:"cniVersion"`
		IPs        []struct{ Address string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.CNIVersion != "0.3.1" || len(res.IPs) != 1 || res.IPs[0].Address != "10.244.3.2/24" {
		t.Fatalf("ADD printed %s (%v)", out, err)
	}
	var got map[string]any
	raw, err := os.ReadFile(filepath.Join(records, "ADD.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	want := `{"cniVersion":"0.3.1","hairpinMode":true,"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.244.3.0/24"}]],"routes":[{"dst":"10.244.0.0/16"}],"type":"host-local"},"isDefaultGateway":true,"isGateway":true,"mtu":1450,"name":"cbr0","type":"bridge"}`
	if gotJSON, _ := json.Marshal(got); string(gotJSON) != want {
		t.Errorf("delegate configuration\n got %s\nwant %s", gotJSON, want)
	}
	st, err := os.Stat(filepath.Join(data, "ctr1-eth0"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}

	// DEL hands the bridge the very configuration ADD used, even once the lease is gone.
	if err := os.Remove(subnet); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, bin, "DEL", env, string(conf)); err != nil {
		t.Fatalf("DEL: %v: %s", err, out)
	}
	if del, _ := os.ReadFile(filepath.Join(records, "DEL.json")); !bytes.Equal(del, raw) {
		t.Errorf("DEL configuration %s, ADD's %s", del, raw)
	}
	if _, err := os.Stat(filepath.Join(data, "ctr1-eth0")); !os.IsNotExist(err) {
		t.Errorf("state file left after DEL: %v", err)
	}
	// A second DEL is a no-op that does not call the bridge.
	if err := os.Remove(filepath.Join(records, "DEL.json")); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, bin, "DEL", env, string(conf)); err != nil {
		t.Fatalf("second DEL: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(records, "DEL.json")); !os.IsNotExist(err) {
		t.Errorf("second DEL called the bridge")
	}
}
