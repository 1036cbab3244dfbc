// Command labcni is the boot lab's CNI plugin for flanneld's per-node subnets. It
// does what Flannel's own small CNI plugin does, whose module the Go module proxy
// does not serve: it reads the node's lease from flanneld's subnet file and
// delegates to the standard bridge plugin with host-local IPAM over that subnet.
//
// It is installed as /opt/cni/bin/flannel, because the lab's Flannel manifest keeps
// upstream's conflist, whose plugin type is "flannel":
//
//	{"type": "flannel", "delegate": {"hairpinMode": true, "isDefaultGateway": true}}
//
// Optional keys: subnetFile (default /run/flannel/subnet.env) and dataDir (default
// /var/lib/cni/flannel), where the delegate configuration of each container is kept
// so that DEL removes exactly what ADD set up, even after flanneld has gone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/skel"
	"github.com/containernetworking/cni/pkg/types"
	"github.com/containernetworking/cni/pkg/version"
)

const (
	defaultSubnetFile = "/run/flannel/subnet.env"
	defaultDataDir    = "/var/lib/cni/flannel"
)

// netConf is the plugin's entry in the conflist.
type netConf struct {
	types.NetConf
	SubnetFile string         `json:"subnetFile"`
	DataDir    string         `json:"dataDir"`
	Delegate   map[string]any `json:"delegate"`
}

// lease is what flanneld wrote for this node.
type lease struct {
	network *net.IPNet // the whole pod network (FLANNEL_NETWORK)
	subnet  *net.IPNet // this node's share of it (FLANNEL_SUBNET), as a network address
	mtu     int        // FLANNEL_MTU
	ipMasq  bool       // FLANNEL_IPMASQ: flanneld masquerades, so the bridge must not
}

func main() {
	skel.PluginMainFuncs(skel.CNIFuncs{Add: cmdAdd, Del: cmdDel, Check: cmdCheck},
		version.PluginSupports("0.3.0", "0.3.1", "0.4.0", "1.0.0"), "k8sgen boot lab flannel-subnet CNI plugin")
}

func loadConf(stdin []byte) (*netConf, error) {
	c := &netConf{SubnetFile: defaultSubnetFile, DataDir: defaultDataDir}
	if err := json.Unmarshal(stdin, c); err != nil {
		return nil, fmt.Errorf("parsing the network configuration: %w", err)
	}
	if c.Delegate == nil {
		c.Delegate = map[string]any{}
	}
	return c, nil
}

// parseLease reads flanneld's KEY=VALUE subnet file.
func parseLease(text string) (*lease, error) {
	vals := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %q is not KEY=VALUE", line)
		}
		vals[k] = v
	}
	l := &lease{}
	var err error
	if _, l.network, err = net.ParseCIDR(vals["FLANNEL_NETWORK"]); err != nil {
		return nil, fmt.Errorf("FLANNEL_NETWORK: %w", err)
	}
	if _, l.subnet, err = net.ParseCIDR(vals["FLANNEL_SUBNET"]); err != nil {
		return nil, fmt.Errorf("FLANNEL_SUBNET: %w", err)
	}
	if !l.network.Contains(l.subnet.IP) {
		return nil, fmt.Errorf("FLANNEL_SUBNET %s is outside FLANNEL_NETWORK %s", l.subnet, l.network)
	}
	if l.mtu, err = strconv.Atoi(vals["FLANNEL_MTU"]); err != nil || l.mtu < 576 {
		return nil, fmt.Errorf("FLANNEL_MTU %q is not an MTU", vals["FLANNEL_MTU"])
	}
	if m, ok := vals["FLANNEL_IPMASQ"]; ok {
		if l.ipMasq, err = strconv.ParseBool(m); err != nil {
			return nil, fmt.Errorf("FLANNEL_IPMASQ: %w", err)
		}
	}
	return l, nil
}

// delegateConf is the bridge plugin's configuration for this node's lease. Keys the
// user set under "delegate" win, except the IPAM range, which is the lease's.
func delegateConf(c *netConf, l *lease) ([]byte, error) {
	d := map[string]any{
		"type":             "bridge",
		"mtu":              l.mtu,
		"ipMasq":           !l.ipMasq,
		"isGateway":        true,
		"isDefaultGateway": true,
	}
	for k, v := range c.Delegate {
		d[k] = v
	}
	d["name"] = c.Name
	d["cniVersion"] = c.CNIVersion
	d["ipam"] = map[string]any{
		"type":   "host-local",
		"ranges": [][]map[string]string{{{"subnet": l.subnet.String()}}},
		"routes": []map[string]string{{"dst": l.network.String()}},
	}
	return json.Marshal(d)
}

// stateFile is where ADD keeps the delegate configuration of one container attachment.
func stateFile(c *netConf, args *skel.CmdArgs) (string, error) {
	id := args.ContainerID + "-" + args.IfName
	if args.ContainerID == "" || strings.ContainsAny(id, "/\x00") || id == "." || id == ".." {
		return "", fmt.Errorf("unusable container ID %q or interface %q", args.ContainerID, args.IfName)
	}
	return filepath.Join(c.DataDir, id), nil
}

func cmdAdd(args *skel.CmdArgs) error {
	c, err := loadConf(args.StdinData)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(c.SubnetFile)
	if err != nil {
		return fmt.Errorf("flanneld has not written its lease yet: %w", err)
	}
	l, err := parseLease(string(text))
	if err != nil {
		return fmt.Errorf("%s: %w", c.SubnetFile, err)
	}
	conf, err := delegateConf(c, l)
	if err != nil {
		return err
	}
	state, err := stateFile(c, args)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(state, conf, 0o600); err != nil {
		return err
	}
	res, err := invoke.DelegateAdd(context.Background(), "bridge", conf, nil)
	if err != nil {
		return err
	}
	return types.PrintResult(res, c.CNIVersion)
}

// attachment loads the configuration and names the state file of one container attachment.
func attachment(args *skel.CmdArgs) (*netConf, string, error) {
	c, err := loadConf(args.StdinData)
	if err != nil {
		return nil, "", err
	}
	state, err := stateFile(c, args)
	return c, state, err
}

func cmdDel(args *skel.CmdArgs) error {
	_, state, err := attachment(args)
	if err != nil {
		return err
	}
	conf, err := os.ReadFile(state)
	if errors.Is(err, os.ErrNotExist) {
		return nil // never added, or already deleted: DEL is idempotent
	} else if err != nil {
		return err
	}
	if err := invoke.DelegateDel(context.Background(), "bridge", conf, nil); err != nil {
		return err
	}
	return os.Remove(state)
}

// cmdCheck only confirms that ADD ran for this attachment; the runtime's own checks
// of the interface are the bridge plugin's business.
func cmdCheck(args *skel.CmdArgs) error {
	_, state, err := attachment(args)
	if err != nil {
		return err
	}
	_, err = os.Stat(state)
	return err
}
