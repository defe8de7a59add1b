#!/usr/bin/env bash
# Fetches Apache Kafka's jars (kafka_2.13 and its runtime dependencies, from Maven Central,
# with mvn) into a cache outside the clone, keyed by Kafka version and a hash of pom.xml, so
# fresh clones on the same machine reuse them. Logs go to stderr; the lib directory is the
# only line on stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' pom.xml)
[ -n "$version" ] || { echo "fetch.sh: no kafka.version in pom.xml" >&2; exit 1; }
key=$(sha256sum < pom.xml | cut -c1-12)
cache=${POLARIS_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polaris-pulumi}
dest="$cache/kafka-$version-$key"

if [ -f "$dest/lib/.complete" ]; then
  echo "Apache Kafka $version: reusing $dest/lib" >&2
  echo "$dest/lib"
  exit 0
fi

command -v mvn >/dev/null || { echo "fetch.sh: Maven (mvn) is required to fetch Apache Kafka's jars" >&2; exit 1; }
command -v java >/dev/null || { echo "fetch.sh: Java (17 or newer) is required to run Apache Kafka" >&2; exit 1; }
echo "Apache Kafka $version: fetching its jars from Maven Central into $dest/lib" >&2
start=$(date +%s)
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.kafka-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mvn -q -B -Dstyle.color=never -f pom.xml dependency:copy-dependencies -DoutputDirectory="$tmp/lib" -DincludeScope=runtime >&2
ls "$tmp/lib" | grep -q "^kafka_2.13-$version.jar$" \
  || { echo "fetch.sh: mvn did not bring kafka_2.13-$version.jar" >&2; exit 1; }
touch "$tmp/lib/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
echo "Apache Kafka $version: fetched in $(( $(date +%s) - start ))s ($(du -sh "$dest/lib" | cut -f1))" >&2
echo "$dest/lib"
