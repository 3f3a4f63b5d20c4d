#!/usr/bin/env bash
# Installs what the test stages need and a stock Debian/Ubuntu machine may lack; installs only
# what is missing, so a second run does nothing. Used by scripts/test (and so by .ci/run).
# Usage: scripts/lib/deps.sh [rust] [python] [node] [c] [package] [server]   (no argument = every stage)
#   rust    what `server` needs; clippy, rustfmt (rustup components); chromium + chromium-driver
#           (consent-page browser test); postgresql + redis-server (the server suite runs again on
#           PostgreSQL, with several instances sharing rate limits through Redis); xmlsec1 and
#           python3-venv (the SAML tests' pysaml2 identity provider signs with the xmlsec1 binary)
#   server  what building grantex-server needs beyond Rust and a C compiler (scripts/demo runs
#           it): its SAML module (samael) binds libxmlsec1 and libxml2 with bindgen, so
#           pkg-config, libxml2-dev, libxmlsec1-dev, libssl-dev and libclang-dev
#   python  python3-venv (the suite builds a fresh venv)
#   node    node >= 18 and npm (nodejs, npm)
#   c       valgrind, pkg-config, a C compiler and make
#   package python3-venv, node >= 18 and npm, pkg-config, a C compiler, make, binutils (strip,
#           objdump, readelf); maturin and auditwheel come from PyPI (scripts/package)
# apt-get runs directly as root, through sudo otherwise; without either it stops with the list of
# packages to install. GRANTEX_NO_INSTALL=1 only checks and reports.
set -euo pipefail

stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(rust python node c package)
want() { local s; for s in "${stages[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_pkgs=()
need() { # package...
  local p q
  for p in "$@"; do
    for q in "${apt_pkgs[@]}"; do [ "$p" = "$q" ] && continue 2; done
    apt_pkgs+=("$p")
  done
}

# Every suite but the package one builds and starts grantex-server.
if want server || want rust || want python || want node || want c || want go || want kotlin; then
  # samael (server/src/saml.rs): pkg-config finds libxml-2.0 and xmlsec1 (OpenSSL backend), and
  # bindgen needs libclang to generate the xmlsec bindings.
  have pkg-config || need pkg-config
  pc() { have pkg-config && pkg-config --exists "$1"; }
  pc libxml-2.0 || need libxml2-dev
  pc xmlsec1 || need libxmlsec1-dev
  pc openssl || need libssl-dev
  compgen -G '/usr/lib/llvm-*/lib/libclang.so' >/dev/null ||
    compgen -G '/usr/lib/*/libclang.so' >/dev/null || need libclang-dev
fi
if want rust; then
  # server/tests/saml.rs: the test identity provider (pysaml2 in a venv, scripts/lib/peer-saml.sh)
  # signs and verifies with the xmlsec1 binary.
  have xmlsec1 || need xmlsec1
  have python3 || need python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need python3-venv
  # server/tests/sso_oidc.rs runs npm oidc-provider (scripts/lib/peer-oidc.sh); server/tests/scim.rs
  # runs scim2-tester in a venv (scripts/lib/peer-scim.sh).
  if ! have node || ! have npm; then need nodejs npm; fi
  # The browser test looks for `chromium` (or chromium-browser / google-chrome) and `chromedriver`.
  have chromium || have chromium-browser || have google-chrome || need chromium
  have chromedriver || need chromium-driver
  # The server suite runs a second time on a private PostgreSQL cluster (scripts/lib/pg.sh).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need postgresql
  # Its multi-instance tests share rate limits through a private redis-server.
  have redis-server || need redis-server
fi
if want package; then
  # The package stage needs what the python, node and c stages need to build and install, but
  # not valgrind or the browser.
  have python3 || need python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need python3-venv
  if ! have node || ! have npm; then need nodejs npm; fi
  have pkg-config || need pkg-config
  have cc || need gcc
  have make || need make
  have strip && have objdump && have readelf || need binutils
fi
if want python; then
  have python3 || need python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need python3-venv
  # tests/test_sso.py runs the test OpenID provider (npm oidc-provider, scripts/lib/peer-oidc.sh).
  if ! have node || ! have npm; then need nodejs npm; fi
fi
if want node; then
  if ! have node || ! have npm; then
    need nodejs npm
  elif ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
    echo "deps: node $(node --version) is too old: Node >= 18 is required (install a newer nodejs)" >&2
    exit 1
  fi
fi
if want c; then
  have valgrind || need valgrind
  have pkg-config || need pkg-config
  have cc || need gcc
  have make || need make
  have nm || need binutils
fi

if [ ${#apt_pkgs[@]} -gt 0 ]; then
  as_root=()
  can_install=yes
  [ "${GRANTEX_NO_INSTALL:-}" = 1 ] && can_install=no
  have apt-get || can_install=no
  if [ "$(id -u)" -ne 0 ]; then
    if have sudo; then as_root=(sudo); else can_install=no; fi
  fi
  if [ "$can_install" = no ]; then
    echo "deps: missing packages: ${apt_pkgs[*]}" >&2
    echo "deps: install them (Debian/Ubuntu: apt-get install --no-install-recommends ${apt_pkgs[*]}) and rerun" >&2
    exit 1
  fi
  echo "deps: installing ${apt_pkgs[*]}"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}"
fi

if want rust || want c; then
  components=()
  cargo clippy --version >/dev/null 2>&1 || components+=(clippy)
  cargo fmt --version >/dev/null 2>&1 || components+=(rustfmt)
  if [ ${#components[@]} -gt 0 ]; then
    if [ "${GRANTEX_NO_INSTALL:-}" != 1 ] && have rustup; then
      echo "deps: rustup component add ${components[*]}"
      rustup component add "${components[@]}"
    else
      echo "deps: missing Rust components: ${components[*]} (rustup component add ${components[*]})" >&2
      exit 1
    fi
  fi
fi
