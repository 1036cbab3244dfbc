// Package secrets creates, loads and saves the cluster's secrets bundle: the
// bootstrap token, the certificate key, the shared CAs, the service-account key
// and an admin client certificate. Randomness and the clock are inputs.
package secrets

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/k8sgen/k8sgen/render/spec"
)

// APIVersion marks the bundle format.
const APIVersion = "k8sgen.io/secrets/v1"

// Validity periods; the CA matches kubeadm's ten years, the admin client its one year.
const (
	CAValidity    = 10 * 365 * 24 * time.Hour
	AdminValidity = 365 * 24 * time.Hour
	// DefaultTokenTTL bounds how long after `kubeadm init` nodes may still join.
	DefaultTokenTTL = 24 * time.Hour
)

// Bundle is everything secret that the rendered files share.
type Bundle struct {
	APIVersion string `yaml:"apiVersion"`
	// Cluster is the spec name the bundle was made for; a mismatch is refused.
	Cluster        string         `yaml:"cluster"`
	BootstrapToken BootstrapToken `yaml:"bootstrapToken"`
	// CertificateKey encrypts the control-plane certificates kubeadm uploads (32 bytes, hex).
	CertificateKey string  `yaml:"certificateKey"`
	CA             KeyPair `yaml:"ca"`
	FrontProxyCA   KeyPair `yaml:"frontProxyCA"`
	EtcdCA         KeyPair `yaml:"etcdCA"`
	ServiceAccount KeyPair `yaml:"serviceAccount"`
	// AdminClient is a client certificate for the user's kubeconfig, signed by CA.
	AdminClient KeyPair `yaml:"adminClient"`
	// RegistryPasswords maps a registry host to the password given at render time
	// through the environment variable the spec names.
	RegistryPasswords map[string]string `yaml:"registryPasswords,omitempty"`
	// KubernetesVersion is the release the cluster was last rendered for: a
	// later render may move it one minor up at a time, never down.
	KubernetesVersion string `yaml:"kubernetesVersion,omitempty"`
	// JoinTokens are bootstrap tokens made later (k8sgen token create), oldest
	// first, for nodes added after the init token expired.
	JoinTokens []JoinToken `yaml:"joinTokens,omitempty"`
}

// JoinToken is a bootstrap token made after init, which the user creates in
// the running cluster with the command k8sgen writes.
type JoinToken struct {
	ID     string `yaml:"id"`
	Secret string `yaml:"secret"`
	TTL    string `yaml:"ttl"`
	// Nodes are the nodes the token was made for (k8sgen token create --for):
	// they join with it; every other node keeps the token it had.
	Nodes []string `yaml:"nodes"`
}

// Token is the join token in kubeadm's form.
func (t JoinToken) Token() BootstrapToken {
	return BootstrapToken{ID: t.ID, Secret: t.Secret, TTL: t.TTL}
}

// maxJoinTokens bounds the tokens a bundle keeps; each is one round of added nodes.
const maxJoinTokens = 100

// TokenFor is the token a node joins with: the newest join token made for
// it, else the init token. Nodes no join token names keep the init token, so
// their files do not change when tokens are made for others.
func (b *Bundle) TokenFor(node string) BootstrapToken {
	for i := len(b.JoinTokens) - 1; i >= 0; i-- {
		if slices.Contains(b.JoinTokens[i].Nodes, node) {
			return b.JoinTokens[i].Token()
		}
	}
	return b.BootstrapToken
}

// AddJoinToken makes a new join token with a lifetime of ttl for the named
// nodes. rand must be crypto/rand.Reader.
func (b *Bundle) AddJoinToken(rand io.Reader, ttl time.Duration, nodes []string) (JoinToken, error) {
	if len(b.JoinTokens) >= maxJoinTokens {
		return JoinToken{}, fmt.Errorf("the bundle holds %d join tokens already, the most it keeps", maxJoinTokens)
	}
	if ttl <= 0 {
		return JoinToken{}, errors.New("a join token's ttl must be positive: a token that never expires lets whoever reads it join a machine at any time")
	}
	if len(nodes) == 0 {
		return JoinToken{}, errors.New("name the nodes the token is for")
	}
	for _, n := range nodes {
		if len(n) > 63 || !nodeNameRE.MatchString(n) {
			return JoinToken{}, fmt.Errorf("%q is not a node name", n)
		}
	}
	t := JoinToken{TTL: ttl.String(), Nodes: slices.Clone(nodes)}
	var err error
	for {
		if t.ID, err = randomString(rand, 6); err != nil {
			return JoinToken{}, err
		}
		if !b.hasTokenID(t.ID) {
			break
		}
	}
	if t.Secret, err = randomString(rand, 16); err != nil {
		return JoinToken{}, err
	}
	b.JoinTokens = append(b.JoinTokens, t)
	return t, nil
}

func (b *Bundle) hasTokenID(id string) bool {
	if b.BootstrapToken.ID == id {
		return true
	}
	for _, t := range b.JoinTokens {
		if t.ID == id {
			return true
		}
	}
	return false
}

// publicTokens are bootstrap tokens printed in kubeadm's documentation and
// defaults (kubeadm config print init-defaults gives the first); tutorials
// copy them, so anyone may try them against an API server.
var publicTokens = []string{
	"abcdef.0123456789abcdef",
	"07401b.f395accd246ae52d",
	"9a08jv.c0izixklcxtmnze7",
	"783bde.3f89s0fje9f38fhf",
}

// publicToken says why t must not be used, or "" when it may.
func publicToken(t BootstrapToken) string {
	if slices.Contains(publicTokens, t.String()) || t.Secret == "0123456789abcdef" {
		return "is an example from kubeadm's documentation, known to everyone: anyone who reaches the API server could join a machine with it. Put a random one in its place (6 and 16 characters of [a-z0-9]: tr -dc a-z0-9 < /dev/urandom | head -c 22), as the README's \"The bootstrap token\" shows"
	}
	return ""
}

// BootstrapToken is a kubeadm bootstrap token and its lifetime.
type BootstrapToken struct {
	ID     string `yaml:"id"`
	Secret string `yaml:"secret"`
	TTL    string `yaml:"ttl"`
}

// String is the token in kubeadm's id.secret form.
func (t BootstrapToken) String() string { return t.ID + "." + t.Secret }

// KeyPair holds PEM text. For ServiceAccount, Cert is the public key.
type KeyPair struct {
	Cert string `yaml:"cert"`
	Key  string `yaml:"key"`
}

var (
	tokenIDRE     = regexp.MustCompile(`^[a-z0-9]{6}$`)
	tokenSecretRE = regexp.MustCompile(`^[a-z0-9]{16}$`)
	certKeyRE     = regexp.MustCompile(`^[0-9a-f]{64}$`)
	nodeNameRE    = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`) // and at most 63 characters

)

// New generates a bundle. rand must be a cryptographic source (crypto/rand.Reader).
func New(rand io.Reader, now time.Time, cluster string) (*Bundle, error) {
	b := &Bundle{APIVersion: APIVersion, Cluster: cluster}
	var err error
	if b.BootstrapToken.ID, err = randomString(rand, 6); err != nil {
		return nil, err
	}
	if b.BootstrapToken.Secret, err = randomString(rand, 16); err != nil {
		return nil, err
	}
	b.BootstrapToken.TTL = DefaultTokenTTL.String()
	key := make([]byte, 32)
	if _, err := io.ReadFull(rand, key); err != nil {
		return nil, err
	}
	b.CertificateKey = hex.EncodeToString(key)
	if b.CA, err = newCA(rand, now, "kubernetes"); err != nil {
		return nil, err
	}
	if b.FrontProxyCA, err = newCA(rand, now, "front-proxy-ca"); err != nil {
		return nil, err
	}
	if b.EtcdCA, err = newCA(rand, now, "etcd-ca"); err != nil {
		return nil, err
	}
	if b.ServiceAccount, err = newServiceAccount(rand); err != nil {
		return nil, err
	}
	if b.AdminClient, err = newAdmin(rand, now, b.CA); err != nil {
		return nil, err
	}
	return b, nil
}

const tokenAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// randomString draws n characters of [a-z0-9] without modulo bias.
func randomString(rand io.Reader, n int) (string, error) {
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	limit := byte(256 - 256%len(tokenAlphabet))
	for len(out) < n {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return "", err
		}
		if buf[0] >= limit {
			continue
		}
		out = append(out, tokenAlphabet[int(buf[0])%len(tokenAlphabet)])
	}
	return string(out), nil
}

func newKey(rand io.Reader) (*ecdsa.PrivateKey, string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand)
	if err != nil {
		return nil, "", err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, "", err
	}
	return k, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

func serial(rand io.Reader) (*big.Int, error) {
	return cryptoRandInt(rand, new(big.Int).Lsh(big.NewInt(1), 127))
}

func cryptoRandInt(rand io.Reader, max *big.Int) (*big.Int, error) {
	b := make([]byte, (max.BitLen()+7)/8)
	if _, err := io.ReadFull(rand, b); err != nil {
		return nil, err
	}
	n := new(big.Int).SetBytes(b)
	return n.Mod(n, max).Add(n, big.NewInt(1)), nil
}

func newCA(rand io.Reader, now time.Time, cn string) (KeyPair, error) {
	key, keyPEM, err := newKey(rand)
	if err != nil {
		return KeyPair{}, err
	}
	sn, err := serial(rand)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-5 * time.Minute).UTC(),
		NotAfter:              now.Add(CAValidity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{Cert: certPEM(der), Key: keyPEM}, nil
}

func newServiceAccount(rand io.Reader) (KeyPair, error) {
	key, keyPEM, err := newKey(rand)
	if err != nil {
		return KeyPair{}, err
	}
	pub, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{Cert: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), Key: keyPEM}, nil
}

// newAdmin issues the user's client certificate in kubeadm's cluster-admins group
// (bound to cluster-admin by kubeadm init, and revocable, unlike system:masters).
func newAdmin(rand io.Reader, now time.Time, ca KeyPair) (KeyPair, error) {
	caCert, caKey, err := parsePair("ca", ca)
	if err != nil {
		return KeyPair{}, err
	}
	notAfter := now.Add(AdminValidity).UTC()
	if caCert.NotAfter.Before(notAfter) {
		notAfter = caCert.NotAfter // a certificate cannot outlive its issuer
	}
	key, keyPEM, err := newKey(rand)
	if err != nil {
		return KeyPair{}, err
	}
	sn, err := serial(rand)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: "k8sgen-admin", Organization: []string{"kubeadm:cluster-admins"}},
		NotBefore:    now.Add(-5 * time.Minute).UTC(),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{Cert: certPEM(der), Key: keyPEM}, nil
}

func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// Block types a field may hold.
var (
	certTypes   = []string{"CERTIFICATE"}
	keyTypes    = []string{"EC PRIVATE KEY", "RSA PRIVATE KEY", "PRIVATE KEY"}
	publicTypes = []string{"PUBLIC KEY"}
)

// onePEM decodes s, which must be exactly one PEM block of one of types, without
// headers and with nothing but white space around it. The whole text of a field
// reaches the nodes and the kubeconfig, so a second block or trailing text would
// be trusted there without ever being checked here.
func onePEM(s string, types []string) (*pem.Block, error) {
	want := strings.Join(types, " or ")
	text := strings.TrimSpace(s)
	if text == "" {
		return nil, fmt.Errorf("empty; want one PEM %s block", want)
	}
	if n := strings.Count(text, "-----BEGIN"); n != 1 {
		return nil, fmt.Errorf("holds %d PEM blocks; want exactly one %s block", n, want)
	}
	if !strings.HasPrefix(text, "-----BEGIN") {
		return nil, fmt.Errorf("text before the PEM block; want exactly one %s block and nothing else", want)
	}
	blk, rest := pem.Decode([]byte(text))
	if blk == nil {
		return nil, fmt.Errorf("not a PEM %s block", want)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("text after the PEM block; want exactly one %s block and nothing else", want)
	}
	if !slices.Contains(types, blk.Type) {
		return nil, fmt.Errorf("a PEM %s block; want %s", blk.Type, want)
	}
	if len(blk.Headers) != 0 {
		return nil, fmt.Errorf("PEM headers (an encrypted key?) are not supported; want a plain %s block", want)
	}
	return blk, nil
}

func parseCert(s string) (*x509.Certificate, error) {
	blk, err := onePEM(s, certTypes)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(blk.Bytes)
}

func parseKey(s string) (crypto.Signer, error) {
	blk, err := onePEM(s, keyTypes)
	if err != nil {
		return nil, err
	}
	switch blk.Type {
	case "EC PRIVATE KEY":
		return x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		return x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("unsupported private key type %T", k)
	}
}

// parsePair parses the pair called name; errors name the field.
func parsePair(name string, p KeyPair) (*x509.Certificate, crypto.Signer, error) {
	cert, err := parseCert(p.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("%s.cert: %w", name, err)
	}
	key, err := parseKey(p.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s.key: %w", name, err)
	}
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, nil, fmt.Errorf("%s: key does not match the certificate", name)
	}
	return cert, key, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// CACertHash is the value kubeadm pins in discovery: sha256 of the CA's SubjectPublicKeyInfo.
func (b *Bundle) CACertHash() (string, error) {
	cert, err := parseCert(b.CA.Cert)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Marshal encodes the bundle as YAML with a warning header.
func (b *Bundle) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# k8sgen secrets bundle: the cluster's CAs, keys and join token.\n")
	buf.WriteString("# Keep it private (mode 0600), back it up, never serve it. Renders reuse it;\n")
	buf.WriteString("# deleting it and rendering again makes an incompatible cluster.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Load decodes and checks a bundle for the named cluster.
func Load(data []byte, cluster string) (*Bundle, error) {
	var b Bundle
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("secrets bundle: %w", err)
	}
	if err := b.Check(); err != nil {
		return nil, err
	}
	b.normalize()
	if b.Cluster != cluster {
		return nil, fmt.Errorf("secrets bundle was made for cluster %q, the spec is %q; use --secrets to pick the right bundle", b.Cluster, cluster)
	}
	return &b, nil
}

// Check verifies formats and that every key matches its certificate and the admin
// client certificate was signed by the CA.
func (b *Bundle) Check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if b.APIVersion != APIVersion {
		add("secrets bundle: apiVersion %q, want %q", b.APIVersion, APIVersion)
	}
	if !tokenIDRE.MatchString(b.BootstrapToken.ID) || !tokenSecretRE.MatchString(b.BootstrapToken.Secret) {
		add("secrets bundle: bootstrapToken must be [a-z0-9]{6}.[a-z0-9]{16}")
	} else if why := publicToken(b.BootstrapToken); why != "" {
		add("secrets bundle: bootstrapToken %s.<secret> %s", b.BootstrapToken.ID, why)
	}
	if d, err := time.ParseDuration(b.BootstrapToken.TTL); err != nil || d < 0 {
		add("secrets bundle: bootstrapToken.ttl %q must be a duration such as 24h0m0s, or 0s (never expires)", b.BootstrapToken.TTL)
	}
	if len(b.JoinTokens) > maxJoinTokens {
		add("secrets bundle: %d joinTokens: at most %d", len(b.JoinTokens), maxJoinTokens)
	}
	ids := map[string]bool{b.BootstrapToken.ID: true}
	for i, t := range b.JoinTokens {
		if !tokenIDRE.MatchString(t.ID) || !tokenSecretRE.MatchString(t.Secret) {
			add("secrets bundle: joinTokens[%d] must be [a-z0-9]{6}.[a-z0-9]{16}", i)
		} else if why := publicToken(t.Token()); why != "" {
			add("secrets bundle: joinTokens[%d] %s.<secret> %s", i, t.ID, why)
		} else if ids[t.ID] {
			add("secrets bundle: joinTokens[%d]: the token id %s is used twice", i, t.ID)
		}
		ids[t.ID] = true
		if d, err := time.ParseDuration(t.TTL); err != nil || d <= 0 {
			add("secrets bundle: joinTokens[%d].ttl %q must be a positive duration such as 2h0m0s", i, t.TTL)
		}
		for j, n := range t.Nodes {
			if len(n) > 63 || !nodeNameRE.MatchString(n) {
				add("secrets bundle: joinTokens[%d].nodes[%d] is not a node name", i, j)
			}
		}
	}
	if v := b.KubernetesVersion; v != "" {
		if _, ok := spec.ParseVersion(v); !ok {
			add("secrets bundle: kubernetesVersion %q is not a release such as 1.33.0", v)
		}
	}
	if !certKeyRE.MatchString(b.CertificateKey) {
		add("secrets bundle: certificateKey must be 64 lowercase hex digits")
	}
	for _, f := range b.caPairs() {
		cert, _, err := parsePair(f.name, *f.pair)
		if err != nil {
			add("secrets bundle: %v", err)
		} else if !cert.IsCA {
			add("secrets bundle: %s: certificate is not a CA", f.name)
		}
	}
	if key, err := parseKey(b.ServiceAccount.Key); err != nil {
		add("secrets bundle: serviceAccount.key: %v", err)
	} else if blk, err := onePEM(b.ServiceAccount.Cert, publicTypes); err != nil {
		add("secrets bundle: serviceAccount.cert: %v", err)
	} else if pub, err := x509.ParsePKIXPublicKey(blk.Bytes); err != nil || !publicKeysEqual(pub, key.Public()) {
		add("secrets bundle: serviceAccount public and private keys do not match")
	}
	if cert, _, err := parsePair("adminClient", b.AdminClient); err != nil {
		add("secrets bundle: %v", err)
	} else if ca, err := parseCert(b.CA.Cert); err == nil {
		if err := cert.CheckSignatureFrom(ca); err != nil {
			add("secrets bundle: adminClient is not signed by ca: %v", err)
		}
	}
	return errors.Join(errs...)
}

type namedPair struct {
	name string
	pair *KeyPair
}

// caPairs are the bundle's certificate authorities, in file order.
func (b *Bundle) caPairs() []namedPair {
	return []namedPair{{"ca", &b.CA}, {"frontProxyCA", &b.FrontProxyCA}, {"etcdCA", &b.EtcdCA}}
}

// normalize rewrites every PEM field of a checked bundle as its one block, so the
// text that reaches the nodes is exactly what Check parsed, without the white
// space it tolerated around it.
func (b *Bundle) normalize() {
	pairs := append(b.caPairs(), namedPair{"serviceAccount", &b.ServiceAccount}, namedPair{"adminClient", &b.AdminClient})
	for _, p := range pairs {
		for _, f := range []*string{&p.pair.Cert, &p.pair.Key} {
			if blk, _ := pem.Decode([]byte(strings.TrimSpace(*f))); blk != nil {
				*f = string(pem.EncodeToMemory(blk))
			}
		}
	}
}

// Validity is one certificate's validity period.
type Validity struct {
	// Field names the certificate in the bundle: ca, frontProxyCA, etcdCA or adminClient.
	Field               string
	NotBefore, NotAfter time.Time
}

// Validities lists the validity periods of the bundle's certificates, CAs first.
// The bundle must have passed Check.
func (b *Bundle) Validities() ([]Validity, error) {
	var out []Validity
	for _, f := range append(b.caPairs(), namedPair{"adminClient", &b.AdminClient}) {
		cert, err := parseCert(f.pair.Cert)
		if err != nil {
			return nil, fmt.Errorf("%s.cert: %w", f.name, err)
		}
		out = append(out, Validity{Field: f.name, NotBefore: cert.NotBefore, NotAfter: cert.NotAfter})
	}
	return out, nil
}

// RenewAdmin replaces the admin client certificate and its key with new ones signed
// by the bundle's CA, valid from now for AdminValidity or until the CA expires,
// whichever comes first. Nothing else in the bundle changes.
func (b *Bundle) RenewAdmin(rand io.Reader, now time.Time) error {
	ca, err := parseCert(b.CA.Cert)
	if err != nil {
		return fmt.Errorf("ca.cert: %w", err)
	}
	if now.Before(ca.NotBefore) || !now.Before(ca.NotAfter) {
		return fmt.Errorf("the CA is valid from %s to %s, not now (%s); it cannot sign a new admin certificate",
			ca.NotBefore.UTC().Format(time.RFC3339), ca.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	admin, err := newAdmin(rand, now, b.CA)
	if err != nil {
		return err
	}
	b.AdminClient = admin
	return nil
}

// CheckPassword returns what makes a registry password unfit for the files it is
// written into (containerd's TOML, Docker's config.json), or "". The message never
// holds the password.
func CheckPassword(pw string) string {
	if pw == "" {
		return "is empty"
	}
	if !utf8.ValidString(pw) {
		return "is not valid UTF-8"
	}
	for _, r := range pw {
		if spec.IsControl(r) {
			return fmt.Sprintf("holds the control character %U", r)
		}
	}
	if len(pw) > 4096 {
		return "is longer than 4096 bytes"
	}
	return ""
}

// MoveVersion records the spec's Kubernetes release in the bundle, as
// Kubernetes' version skew policy allows: the same minor, or one minor up
// (a warning explains the upgrade that comes first); never two minors up or any
// minor down. It reports whether the bundle changed.
func (b *Bundle) MoveVersion(version string) (changed bool, warning string, err error) {
	next, ok := spec.ParseVersion(version)
	if !ok {
		return false, "", fmt.Errorf("kubernetesVersion %q is not a release such as 1.33.0", version)
	}
	if b.KubernetesVersion == version {
		return false, "", nil
	}
	if b.KubernetesVersion == "" {
		b.KubernetesVersion = version
		return true, "", nil
	}
	prev, ok := spec.ParseVersion(b.KubernetesVersion)
	if !ok {
		return false, "", fmt.Errorf("kubernetesVersion %q in the bundle is not a release", b.KubernetesVersion)
	}
	switch d := next.Minor - prev.Minor; {
	case next.Major != prev.Major || d < 0:
		return false, "", fmt.Errorf("the cluster was rendered for Kubernetes %s (the bundle records it) and the spec says %s: kubeadm cannot move a control plane down a minor release, and a kubelet newer than its API server is outside the version skew policy; keep kubernetesVersion at %d.%d.x or later", prev, next, prev.Major, prev.Minor)
	case d >= 2:
		return false, "", fmt.Errorf("the cluster was rendered for Kubernetes %s (the bundle records it) and the spec says %s: Kubernetes upgrades one minor release at a time and never skips one; render %d.%d.x first, upgrade the cluster to it, then go on", prev, next, prev.Major, prev.Minor+1)
	case d == 1:
		warning = fmt.Sprintf("the cluster moves from Kubernetes %s to %s (recorded in the bundle): upgrade the control plane first (kubeadm upgrade apply v%s on the first control plane, kubeadm upgrade node on the others, then each kubelet); nodes rendered from now on install %s and must join only after that. Rendered files do not upgrade running nodes.", prev, next, next, next)
	}
	b.KubernetesVersion = version
	return true, warning, nil
}
