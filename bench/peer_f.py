#!/usr/bin/env python3
"""peer_f.py: peer f of bench/run e2e, the pipeline a Python data engineer would write in
statpipe's place with Debian's python3-confluent-kafka and python3-psycopg2: consume a
batch, json.loads each message, look the catalogue up (indicator and unit aliases, the
indicator's unit dimension, the areas), scale the value exactly with Decimal into the
canonical unit, COPY the rows into the same statpipe.observation, commit, then commit the
Kafka offsets. At least once, and no vintage rules: a message that fails a lookup is
counted and dropped.

usage: peer_f.py BROKERS TOPIC GROUP N   (conninfo from the PG* environment)
Prints: f loaded=L dropped=D seconds=S
"""
import io
import json
import sys
import time
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

import psycopg2
from confluent_kafka import Consumer

BATCH = 10000
COLUMNS = ("series_id, time_period, period_start, period_end, release, value, unit, "
           "value_published, unit_published, unit_mult, obs_status, conf_status, is_deleted, "
           "comment, message_id, src_topic, src_partition, src_offset")


def month_end(y, m):
    return (date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1))


def period(freq, p):
    """The first and last day of a period: 2023, 2023-S1, 2023-Q3, 2023-07."""
    y = int(p[:4])
    if freq == "A" and len(p) == 4:
        return date(y, 1, 1), date(y, 12, 31)
    if freq == "S" and p[4:6] == "-S":
        h = int(p[6:])
        return date(y, 6 * h - 5, 1), month_end(y, 6 * h)
    if freq == "Q" and p[4:6] == "-Q":
        q = int(p[6:])
        return date(y, 3 * q - 2, 1), month_end(y, 3 * q)
    if freq == "M" and p[4] == "-":
        m = int(p[5:])
        return date(y, m, 1), month_end(y, m)
    raise ValueError(p)


def text(v):
    """A COPY text field."""
    if v is None:
        return "\\N"
    return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Catalogue:
    def __init__(self, cur):
        cur.execute("select code, dimension from statpipe.indicator")
        self.dimension = dict(cur.fetchall())
        cur.execute("select sender, alias, indicator from statpipe.indicator_alias")
        self.alias = {(s, a): i for s, a, i in cur.fetchall()}
        cur.execute("select code, dimension, factor from statpipe.unit")
        self.unit = {c: (d, Decimal(f)) for c, d, f in cur.fetchall()}
        cur.execute("select alias, unit from statpipe.unit_alias")
        self.unit_alias = dict(cur.fetchall())
        self.canonical = {d: c for c, (d, f) in self.unit.items() if f == 1}
        cur.execute("select code from statpipe.region")
        self.regions = {r for (r,) in cur.fetchall()}

    def indicator(self, sender, name):
        if name in self.dimension:
            return name
        return self.alias.get((sender, name)) or self.alias.get(("", name))


def main():
    brokers, topic, group, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    db = psycopg2.connect("")
    cur = db.cursor()
    cat = Catalogue(cur)
    cur.execute("select sender, indicator, ref_area, freq, calc_basis, breakdown, series_id"
                " from statpipe.series")
    series = {tuple(r[:6]): r[6] for r in cur.fetchall()}
    db.commit()
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": group,
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    seen = loaded = dropped = 0
    t0 = time.time()
    while seen < n:
        msgs = consumer.consume(num_messages=BATCH, timeout=1.0)
        rows = []
        new = set()
        for m in msgs:
            if m.error():
                continue
            seen += 1
            try:
                d = json.loads(m.value())
                ind = cat.indicator(d["sender"], d["indicator"])
                unit = cat.unit.get(cat.unit_alias.get(d["unit"], d["unit"]))
                if ind is None or unit is None or unit[0] != cat.dimension[ind] or \
                        d["ref_area"] not in cat.regions:
                    raise ValueError("catalogue")
                value = None if d.get("value") is None else Decimal(d["value"]) * unit[1]
                start, end = period(d["freq"], d["time_period"])
                key = (d["sender"], ind, d["ref_area"], d["freq"], d.get("calc_basis", "PER"),
                       d.get("breakdown", "_T"))
            except (KeyError, ValueError, InvalidOperation, TypeError):
                dropped += 1
                continue
            if key not in series:
                new.add(key)
            rows.append((key, d, start, end, value, cat.canonical[unit[0]], m))
        if not msgs:
            continue
        if new:
            cur.executemany("insert into statpipe.series (sender, indicator, ref_area, freq,"
                            " calc_basis, breakdown) values (%s, %s, %s, %s, %s, %s)"
                            " on conflict do nothing", list(new))
            cur.execute("select sender, indicator, ref_area, freq, calc_basis, breakdown,"
                        " series_id from statpipe.series")
            series = {tuple(r[:6]): r[6] for r in cur.fetchall()}
        buf = io.StringIO()
        for key, d, start, end, value, canonical, m in rows:
            buf.write("\t".join(text(v) for v in (
                series[key], d["time_period"], start, end, d["release"], value, canonical,
                d.get("value"), d["unit"], 0, d.get("obs_status", "A"), d.get("conf_status", "F"),
                "f", d.get("comment"), d["message_id"], m.topic(), m.partition(), m.offset())))
            buf.write("\n")
        buf.seek(0)
        cur.copy_expert("copy statpipe.observation (%s) from stdin" % COLUMNS, buf)
        db.commit()
        consumer.commit(asynchronous=False)
        loaded += len(rows)
    consumer.close()
    print("f loaded=%d dropped=%d seconds=%.3f" % (loaded, dropped, time.time() - t0))


if __name__ == "__main__":
    main()
