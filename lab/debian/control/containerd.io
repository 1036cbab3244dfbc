Package: containerd.io
Version: @VERSION@
Architecture: @ARCH@
Maintainer: k8sgen boot lab <lab@k8sgen.invalid>
Installed-Size: @INSTALLED_SIZE@
Provides: containerd, runc
Conflicts: containerd, runc
Replaces: containerd, runc
Section: admin
Priority: optional
Homepage: https://containerd.io
Description: Industry-standard container runtime
 containerd, its runc v2 shim, the ctr client and the runc OCI runtime
 (@RUNC_VERSION@), all statically linked. No /etc/containerd/config.toml is
 shipped: containerd runs with its built-in defaults until one is written.
 Built by k8sgen's boot lab from containerd @UPSTREAM@.
