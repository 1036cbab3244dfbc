# k8sgen: `make example` renders the embedded example, `make test` runs every test
# including the real consumers (cloud-init schema, shellcheck, kubeadm config validate,
# netplan and cloud-init's network renderers, isoinfo).
GO ?= go
export K8SGEN_CACHE ?= $(HOME)/.cache/k8sgen

# Kubernetes versions whose kubeadm validates the golden files (one per golden minor).
KUBEADM_VERSIONS = $(shell sed -n 's/^kubernetesVersion: *"\{0,1\}v\{0,1\}\([0-9]*\.[0-9]*\)\..*/\1.0/p' testdata/golden/*/cluster.yaml | sort -u)

.PHONY: all build example test deps kubeadm flags flags-check flags-real schema bench fuzz clean lab-smoke lab-hostprep lab-ignition lab-pxe lab-cluster lab-ha

all: build

build:
	$(GO) build -o k8sgen ./cmd/k8sgen

example:
	$(GO) run ./cmd/k8sgen render --example -o out/ --force

deps:
	./hack/deps.sh

kubeadm:
	@for v in $(KUBEADM_VERSIONS); do ./hack/kubeadm.sh $$v > /dev/null || exit 1; done

test: deps kubeadm
	$(GO) vet ./...
	K8SGEN_REQUIRE_CONSUMERS=1 $(GO) test -timeout 45m ./...
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime 20s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderFlatcar$$' -fuzztime 10s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderFCOS$$' -fuzztime 10s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderStatic$$' -fuzztime 10s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderPXE$$' -fuzztime 10s ./render/
	cd lab && $(GO) vet ./... && $(GO) test ./...
	shellcheck -x hack/*.sh lab/*.sh lab/hostprep/run.sh lab/hostprep/checks.sh lab/cluster/run.sh lab/guest/k8sgen-lab-probe lab/guest/k8sgen-lab-resolv

# The components' flag tables (render/spec/flags/v1.MINOR.tsv), from their own flag
# sets; one build against each supported minor (about 8 minutes each when cold).
FLAG_MINORS = 1.30.0 1.31.0 1.32.0 1.33.0 1.34.0 1.35.0 1.36.0 1.37.0

flags:
	@for v in $(FLAG_MINORS); do ./hack/kubeflags.sh $$v || exit 1; done

# Regenerates every table and fails when one differs from the checked-in file.
flags-check:
	@for v in $(FLAG_MINORS); do ./hack/kubeflags.sh $$v - | diff -u render/spec/flags/v$${v%.0}.tsv - || exit 1; done

# The real kube-apiserver, kube-controller-manager and kube-scheduler of every
# golden's minor parse its extra arguments (make test checks 1.32 only: each
# more minor costs about 8 minutes of building on a cold 2-core machine).
flags-real: deps kubeadm
	cd consumers && K8SGEN_REQUIRE_CONSUMERS=1 K8SGEN_FLAG_MINORS=all $(GO) test -count=1 -timeout 90m -run 'TestConsumers/.*/.*/component-flags' .

# Regenerates render/spec/cluster.schema.json from the spec's types and doc comments.
schema:
	$(GO) run ./hack/specschema

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./render/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s ./render/spec/
	$(GO) test -run '^$$' -fuzz '^FuzzRender$$' -fuzztime 300s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderHA$$' -fuzztime 120s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderFlatcar$$' -fuzztime 120s ./render/
	$(GO) test -run '^$$' -fuzz '^FuzzRenderFCOS$$' -fuzztime 120s ./render/

# Boot lab (root; QEMU under TCG; see lab/*.sh headers). lab-smoke proves the harness,
# lab-hostprep boots one node and checks its host preparation (stage 1, in CI),
# lab-ignition does the same from a Flatcar node's config.ign applied by the real Ignition (in CI),
# lab-pxe the same booted from the network: iPXE, DHCP and k8sgen serve (in CI),
# lab-cluster builds a whole air-gapped cluster (stage 2, about half an hour),
# lab-ha three control planes behind kube-vip and a failover (stage 3).
lab-smoke:
	./lab/smoke.sh

lab-hostprep:
	./lab/hostprep.sh

lab-ignition:
	LAB_OS=flatcar ./lab/hostprep.sh

lab-pxe:
	LAB_BOOT=pxe ./lab/hostprep.sh

lab-cluster:
	./lab/cluster.sh

lab-ha:
	LAB_CONTROL_PLANES=3 ./lab/cluster.sh

clean:
	rm -rf k8sgen out
