#!/bin/sh
# Build a training image with SageMaker's own training toolkit (sagemaker-training), from sources,
# for optml's opt-in toolkit tests (packages/server/test/toolkit-image.e2e.test.ts) and
# bench/container.mts: a Debian bookworm base made with debootstrap from Debian's mirror, imported
# into Docker, with inotify_simple and the toolkit pip-installed from the given source trees, and
# `train` = the toolkit's entry point (as SageMaker's framework images have it).
#
#   sh scripts/build-toolkit-image.sh TOOLKIT_SRC INOTIFY_SIMPLE_SRC [TAG]
#
# TOOLKIT_SRC: a checkout of github.com/aws/sagemaker-training-toolkit; INOTIFY_SIMPLE_SRC: one of
# github.com/chrisjbillington/inotify_simple (the toolkit pins inotify_simple==1.2.1). TAG defaults
# to optml-test/sagemaker-toolkit:local. Needs root, debootstrap (apt-get install -y debootstrap)
# and a running dockerd (scripts/start-dockerd.sh).
#
# The toolkit's other dependencies (boto3, numpy, scipy, paramiko, protobuf, ...) come from pip's
# index, or from Debian (gevent). Where pip has no index on the network, give it one:
#   PIP_INSTALL_ARGS="--no-index --find-links /opt/pypi/files" PIP_MOUNTS="/opt/pypi"
# PIP_MOUNTS are bind-mounted at the same paths into the build root. ROOTFS=DIR keeps (and reuses)
# the debootstrapped base there; MIRROR overrides http://deb.debian.org/debian. Nothing built here
# is kept in the repository.
set -eu
toolkit=$(realpath "${1:?usage: build-toolkit-image.sh TOOLKIT_SRC INOTIFY_SIMPLE_SRC [TAG]}")
inotify=$(realpath "${2:?usage: build-toolkit-image.sh TOOLKIT_SRC INOTIFY_SIMPLE_SRC [TAG]}")
tag="${3:-optml-test/sagemaker-toolkit:local}"
mirror="${MIRROR:-http://deb.debian.org/debian}"
[ -f "$toolkit/setup.py" ] || { echo "build-toolkit-image: $toolkit has no setup.py (not the toolkit's source?)" >&2; exit 1; }
[ -f "$inotify/setup.py" ] || [ -f "$inotify/pyproject.toml" ] || { echo "build-toolkit-image: $inotify is not inotify_simple's source" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "build-toolkit-image: needs root (debootstrap, chroot)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-toolkit-image: apt-get install -y debootstrap" >&2; exit 1; }

work=$(mktemp -d /var/tmp/optml-toolkit-image.XXXXXX)
rootfs="${ROOTFS:-$work/rootfs}"
mounted=""
cleanup() {
  for m in $mounted; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# gcc and python3-dev: the toolkit builds a small C library (gethostname) at install.
if [ ! -x "$rootfs/usr/bin/python3" ]; then
  echo "build-toolkit-image: debootstrap bookworm (minbase) into $rootfs"
  debootstrap --variant=minbase \
    --include=python3,python3-pip,python3-dev,python3-setuptools,python3-wheel,python3-gevent,gcc,libc6-dev,procps \
    bookworm "$rootfs" "$mirror"
fi

mkdir -p "$rootfs/tmp/src"
rm -rf "$rootfs/tmp/src/toolkit" "$rootfs/tmp/src/inotify_simple"
cp -a "$toolkit" "$rootfs/tmp/src/toolkit"
cp -a "$inotify" "$rootfs/tmp/src/inotify_simple"
for m in ${PIP_MOUNTS:-}; do
  mkdir -p "$rootfs$m"
  mount --bind "$m" "$rootfs$m"
  mounted="$rootfs$m $mounted"
done
[ -f /etc/resolv.conf ] && cp /etc/resolv.conf "$rootfs/etc/resolv.conf"

# shellcheck disable=SC2086
chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null \
  python3 -m pip install --break-system-packages --no-cache-dir ${PIP_INSTALL_ARGS:-} /tmp/src/inotify_simple /tmp/src/toolkit
chroot "$rootfs" python3 -c 'import sagemaker_training, inotify_simple; print("sagemaker_training at", sagemaker_training.__file__)'
[ -x "$rootfs/usr/local/bin/train" ] || { echo "build-toolkit-image: the toolkit installed no 'train' entry point" >&2; exit 1; }

for m in $mounted; do umount "$m"; done
mounted=""
rm -rf "$rootfs/tmp/src" "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
# `python` for script-mode commands (the toolkit runs `python train.py`).
ln -sf python3 "$rootfs/usr/bin/python"

echo "build-toolkit-image: importing as $tag"
tar -C "$rootfs" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PYTHONUNBUFFERED=1 LANG=C.UTF-8' \
  -c 'WORKDIR /' \
  -c 'LABEL optml.test-image=toolkit' \
  - "$tag"
docker run --rm "$tag" python3 -c 'import sagemaker_training; print("ok")'
echo "build-toolkit-image: built $tag"
