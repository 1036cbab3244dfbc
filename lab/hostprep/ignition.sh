#!/usr/bin/env bash
# Boot lab stage 1 for Flatcar (LAB_OS=flatcar), the first boot inside the Debian guest,
# run by run.sh with OUT and TOOLS. It turns the guest into what Flatcar's initramfs
# leaves behind before the real root's systemd starts, then returns so that the probe
# powers off; the next boot (lab/vm.sh start --keep-disk) is the node's.
#   1. What a Flatcar image ships and Debian's lacks: containerd with runc (the lab's
#      containerd.io package; Flatcar's containerd.service reads its own config until
#      k8sgen's drop-in points it at /etc/containerd/config.toml) and systemd-timesyncd
#      instead of chrony (the image keeps the package that matches its systemd).
#   2. The real Ignition: ignition-apply of k8sgen's config.ign on /, its files and units.
#      ignition-apply runs only where it detects a container, hence "container=".
#      It skips passwd (users), which Flatcar's Ignition would create.
#   3. Ignition's unit presets, applied the way Flatcar's first boot applies them.
# Writes $OUT/ignition.txt ("applied ..." on success) and $OUT/ignition-apply.log.
set -euo pipefail

report=$OUT/ignition.txt
stamp=/var/lib/k8sgen-lab/ignition-applied

dpkg -i "$TOOLS/containerd.io.deb"
dpkg --purge chrony
dpkg -i /var/cache/k8sgen-lab/systemd-timesyncd_*.deb

if ! container=k8sgen-lab "$TOOLS/ignition-apply" --root / --offline --ignore-unsupported \
  "$TOOLS/config.ign" > "$OUT/ignition-apply.log" 2>&1; then
  echo "failed ignition-apply: $(tail -n 3 "$OUT/ignition-apply.log" | tr '\n' ' ')" > "$report"
  exit 1
fi

preset=/etc/systemd/system-preset/20-ignition.preset
mapfile -t enabled < <(sed -n 's/^enable //p' "$preset")
if [ "${#enabled[@]}" -gt 0 ]; then
  systemctl preset "${enabled[@]}"
fi

mkdir -p "${stamp%/*}"
touch "$stamp"
files=$(grep -c '\[finished\] writing file' "$OUT/ignition-apply.log" || true)
echo "applied config.ign: $files files; enabled by preset: ${enabled[*]:-none}" > "$report"
cat "$report"
