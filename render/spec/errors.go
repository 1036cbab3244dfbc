package spec

// Messages shown to users, in one place; each says what to do.
const (
	errEmpty        = "the spec is empty; start from `k8sgen example`"
	errMultiDoc     = "the spec must be a single YAML document; remove the extra '---' document"
	errNotMapping   = "the spec must be a mapping of fields (name, kubernetesVersion, os, nodes, ...)"
	errAlias        = "YAML aliases are not supported in the spec; write the value out"
	errRequired     = "required"
	errNullItem     = "an empty list item; give it a value or remove the '-'"
	errNullValue    = "no value; write \"\" for an empty one, or remove the key"
	errNodeName     = "must be a lowercase RFC 1123 name such as worker-1 or worker-1.lab.example: labels of a-z, 0-9 and '-', starting and ending with a letter or digit, joined by '.', at most 63 characters in all (use '-' instead of '_')"
	errClusterName  = "must be a lowercase RFC 1123 label: a-z, 0-9 and '-', at most 63 characters"
	errNoCP         = "at least one node needs role control-plane"
	errIP           = "must be an IPv4 address such as 192.168.1.11"
	errCIDR         = "must be an IPv4 CIDR such as 10.244.0.0/16"
	errEndpoint     = "must be host:port, e.g. 192.168.1.11:6443 or api.lab.internal:6443"
	errVersion      = "must be an exact release MAJOR.MINOR.PATCH such as 1.32.0"
	errNTPServer    = "must be a host name or IP address"
	errCNIVersion   = "must look like v1.2.3"
	warnMultiCPNoLB = "several control planes share the first one's address as endpoint; without a load balancer or VIP in controlPlaneEndpoint the cluster is not highly available"
)
