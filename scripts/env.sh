# Sourced by the scripts: puts the Swift toolchain on PATH if it is at
# /opt/swift but not on PATH yet.
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
