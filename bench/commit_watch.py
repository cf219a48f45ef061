#!/usr/bin/env python3
"""commit_watch.py: the sampler of bench/latency.sh. Reads a consumer group's committed
offsets from statpipe.kafka_offset every INTERVAL seconds on one connection, in autocommit
(no transaction stays open across samples), until they add up to TOTAL. A psql started per
sample would cost a connection each time: on two shared cores, about a core, and samples
seven times a second rather than fifty.

usage: commit_watch.py GROUP TOTAL [INTERVAL] [LIMIT]   (conninfo from the PG* environment)
Prints a line per partition per sample: MILLISECONDS PARTITION NEXT_OFFSET, the time taken
just before the read. Exits 1 if TOTAL is not reached within LIMIT seconds (default 600).
"""
import sys
import time

import psycopg2


def main():
    group, total = sys.argv[1], int(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.02
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 600.0
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    out = sys.stdout
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ms = int(time.time() * 1000)
        cur.execute("SELECT partition, next_offset FROM statpipe.kafka_offset "
                    "WHERE consumer_group = %s", (group,))
        rows = cur.fetchall()
        for partition, next_offset in rows:
            out.write("%d %d %d\n" % (ms, partition, next_offset))
        if sum(r[1] for r in rows) >= total:
            return 0
        time.sleep(interval)
    sys.stderr.write("commit_watch: %s committed less than %d in %.0f s\n" % (group, total, limit))
    return 1


if __name__ == "__main__":
    sys.exit(main())
