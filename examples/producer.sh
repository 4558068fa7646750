#!/bin/sh
# A cron job that reports to a Pushgateway through the pgw-bridge spool, three ways.
#
#   PGW_BRIDGE_SPOOL=/var/spool/pgw ./producer.sh
#
# None of them needs the gateway to be up: the files wait in the spool, and the bridge
# delivers them (in order, per group) when it can.
set -eu

SPOOL=${PGW_BRIDGE_SPOOL:-/var/spool/pgw}
PGW_BRIDGE=${PGW_BRIDGE:-pgw-bridge}
JOB=example_backup
INSTANCE=$(hostname | tr -d '/@=%')    # keep the name free of characters that need %-encoding

# 1. Run the work under `pgw-bridge exec`: duration, exit code, last run and (on success only)
#    last success are recorded under fixed names; --max-age feeds one generic staleness alert.
#    The exit status is the command's.
"$PGW_BRIDGE" exec --spool "$SPOOL" "$JOB" instance="$INSTANCE" --max-age 26h -- \
    sh -c 'sleep 0.1; echo "backup done"'

# 2. A group of your own: write a temporary name in the spool itself, then mv it into place.
#    Names ending in .prom.<pid> are never read; the rename makes the file appear complete.
#    A file in the spool's top level is a PUT: it is the group's whole state. (Do not mv over a
#    name another producer uses, such as exec's add/ file above: a file still waiting would be
#    replaced. `pgw-bridge drop --add` merges with a waiting POST instead.)
used_bytes=123456
tmp="$SPOOL/example_disk@instance=$INSTANCE.prom.$$"
cat > "$tmp" <<METRICS
# HELP example_disk_used_bytes Bytes used on the backup volume.
# TYPE example_disk_used_bytes gauge
example_disk_used_bytes $used_bytes
METRICS
mv "$tmp" "$SPOOL/example_disk@instance=$INSTANCE.prom"

# 3. Pipe a collector into `pgw-bridge drop`: it checks the text format first (a bad line fails
#    with its line number and nothing is written), then writes atomically under the right name.
#    Values with any character are fine here; drop percent-encodes them.
printf 'example_inventory_items{kind="disk"} 4\n' |
    "$PGW_BRIDGE" drop example_inventory host="$INSTANCE" site="eu/west" --spool "$SPOOL"
