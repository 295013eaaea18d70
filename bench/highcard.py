#!/usr/bin/env python3
"""Writes the "high-cardinality" shop: the demo shop's tables and vocabulary
with many users, short sessions and rows in random order.

    bench/highcard.py --events N --out DIR [--force] [--seed 42]

DIR gets `events.parquet` and `users.parquet` with the same column names and
Arrow types as `segql demo-data` writes, but:

- high-cardinality ids: users `u0123456` (about one user per 30 events, so
  3.3 million users at 100 million events) and sessions `s01234567`, unique
  across users, about 10 events per session;
- rows in random order: each row group holds events of users drawn at random
  from all users, at random times of the 90 days, shuffled; nothing is
  grouped by user or sorted by time;
- zstd, row groups of 2^20 rows, exactly N events.

The events follow the demo shop's walks through the shop (home, search,
product, cart, checkout, purchase, with drop-offs, declined payments,
coupons, timeouts and B2B report sessions), its event types and names, and
its users' profiles (country, plan, signup date, ...), so that every query
of `bench/suite/` matches a realistic number of users. Some events have no
session id (1.5%), and 2% of the sessions are anonymous visits (an
`anon_id`, no `user_id`), as in the demo. Times lie in the 90 days from
2026-01-01 to 2026-04-01 (the benchmark's `--now`), in milliseconds.

Deterministic for a given seed and N (and numpy's generator). Sessions
are generated in batches with numpy and written as they come, so memory
stays bounded: about 0.6 GiB, plus about 0.4 KiB per user while the users
are drawn (1.3 GiB in all at 100 million events); about 2 s per million
events on one core.
"""

import argparse
import os
import shutil
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
START = 20454 * DAY  # 2026-01-01T00:00:00Z in epoch milliseconds
DAYS = 90
END = START + DAYS * DAY  # 2026-04-01, the benchmark's --now
START_DAY = START // DAY

ROW_GROUP_ROWS = 1 << 20
EVENTS_PER_USER = 30
SESSIONS_PER_BATCH = 1 << 16
MAX_EVENTS_PER_SESSION = 80
ANONYMOUS_SHARE = 0.02
NO_SESSION_SHARE = 0.015

# The demo shop's schemas (crates/segql-demo/src/lib.rs), column for column.
EVENTS_SCHEMA = pa.schema([
    pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
    pa.field("user_id", pa.string()),
    pa.field("session_id", pa.string()),
    pa.field("event_type", pa.string(), nullable=False),
    pa.field("name", pa.string(), nullable=False),
    pa.field("account_id", pa.string()),
    pa.field("device", pa.string()),
    pa.field("browser", pa.string()),
    pa.field("geo.country", pa.string()),
    pa.field("amount", pa.float64()),
    pa.field("product_id", pa.string()),
    pa.field("query", pa.string()),
    pa.field("referrer", pa.string()),
    pa.field("anon_id", pa.string()),
])
USERS_SCHEMA = pa.schema([
    pa.field("user_id", pa.string(), nullable=False),
    pa.field("email", pa.string(), nullable=False),
    pa.field("account_id", pa.string()),
    pa.field("country", pa.string(), nullable=False),
    pa.field("plan", pa.string()),
    pa.field("signup_date", pa.date32(), nullable=False),
    pa.field("marketing_opt_in", pa.bool_(), nullable=False),
    pa.field("age", pa.int64()),
    pa.field("company_role", pa.string()),
])

# The demo shop's vocabulary (crates/segql-demo/src/vocab.rs).
COUNTRIES = ["BR", "US", "FR", "DE", "IN", "JP", "GB"]
COUNTRY_WEIGHTS = [20, 28, 10, 10, 12, 8, 12]
FIRST_NAMES = [
    "ana bruno carla diego fernanda gabriel juliana lucas",
    "david emma james olivia michael sophia daniel emily",
    "lea hugo chloe louis manon jules camille arthur",
    "lukas anna felix lena jonas mia paul laura",
    "priya arjun ananya rahul isha vikram neha rohan",
    "hiroshi yuki haruto sakura kenji aoi takumi mei",
    "oliver amelia harry isla george ava jack grace",
]
LAST_NAMES = [
    "silva costa mendes santos oliveira souza pereira lima",
    "smith johnson williams brown jones miller davis wilson",
    "martin bernard dubois thomas robert richard petit durand",
    "muller schmidt schneider fischer weber meyer wagner becker",
    "sharma patel gupta singh kumar reddy iyer nair",
    "tanaka suzuki sato takahashi watanabe ito yamamoto nakamura",
    "taylor evans thomas roberts walker wright hughes green",
]
PLANS = ["free", "pro", "premium"]
ROLES = ["owner", "admin", "analyst", "engineer", "marketing", "finance"]
DEVICES = ["desktop", "mobile", "tablet"]
BROWSERS = ["chrome", "safari", "firefox", "edge"]
REFERRERS = ["google", "newsletter", "ads"]
QUERIES = [
    "running shoes", "leather boots", "hiking boots", "shoe rack", "kids shoes", "sneakers",
    "headphones", "coffee maker", "yoga mat", "backpack", "phone case", "desk lamp",
    "winter jacket", "sunglasses", "water bottle", "gift card",
]
PRODUCTS = 50

# The events of a session walk, and what each one is.
TOKENS = [
    ("HOME", "view", "/home"),
    ("SEARCH", "action", "search"),
    ("SEARCH_VIEW", "view", "/search"),
    ("PRODUCT", "view", None),  # /product/pNNN
    ("ADD", "action", "add_to_cart"),
    ("CART", "view", "/cart"),
    ("REMOVE", "action", "remove_from_cart"),
    ("COUPON", "action", "apply_coupon"),
    ("CHECKOUT", "action", "CHECKOUT"),
    ("CHECKOUT_VIEW", "view", "/checkout"),
    ("DECLINED", "error", "Payment declined"),
    ("PURCHASE", "custom", "purchase"),
    ("CONFIRMATION", "view", "/checkout/confirmation"),
    ("LOGIN", "action", "login"),
    ("HELP", "view", "/help"),
    ("ACCOUNT", "view", "/account"),
    ("REPORTS", "view", "/reports"),
    ("EXPORT", "action", "export_report"),
    ("TEAM", "view", "/settings/team"),
    ("INVITE", "action", "invite_teammate"),
    ("TIMEOUT", "error", "Network timeout"),
    ("OUT_OF_STOCK", "error", "Out of stock"),
    ("END", None, None),
]
T = {name: i for i, (name, _, _) in enumerate(TOKENS)}
N_TOKENS = len(TOKENS)

# Where a session starts.
FIRST = {"HOME": 55, "PRODUCT": 25, "SEARCH": 8, "REPORTS": 5, "LOGIN": 4, "HELP": 3}

# What follows each event: weights (without a cart, with a cart); a row
# given once serves both. The cart fills on add_to_cart and empties on
# purchase; CHECKOUT needs a full cart. Browsing rarely ends a session and
# a confirmation mostly does: sessions average about 10 events.
NEXT = {
    "HOME": ({"SEARCH": 45, "PRODUCT": 25, "LOGIN": 8, "HELP": 3, "ACCOUNT": 3, "END": 4},
             {"SEARCH": 30, "PRODUCT": 20, "CART": 20, "LOGIN": 8, "HELP": 3, "ACCOUNT": 3,
              "END": 4}),
    "LOGIN": ({"HOME": 15, "SEARCH": 35, "PRODUCT": 30, "END": 5},
              {"CART": 30, "SEARCH": 20, "PRODUCT": 30, "END": 5}),
    "SEARCH": ({"SEARCH_VIEW": 100},),
    "SEARCH_VIEW": ({"PRODUCT": 68, "SEARCH": 12, "END": 5},
                    {"PRODUCT": 50, "CART": 25, "SEARCH": 8, "END": 4}),
    "PRODUCT": ({"ADD": 30, "PRODUCT": 32, "SEARCH": 10, "CART": 3, "OUT_OF_STOCK": 1, "END": 6},
                {"ADD": 25, "PRODUCT": 25, "CART": 32, "SEARCH": 5, "OUT_OF_STOCK": 1,
                 "END": 3}),
    "ADD": ({"PRODUCT": 45, "CART": 42, "END": 3},),
    "OUT_OF_STOCK": ({"PRODUCT": 60, "END": 10},),
    "CART": ({"SEARCH": 40, "PRODUCT": 25, "HOME": 5, "END": 8},
             {"CHECKOUT": 45, "COUPON": 7, "REMOVE": 5, "SEARCH_VIEW": 7, "HELP": 4,
              "PRODUCT": 12, "END": 5}),
    "REMOVE": ({"CART": 50, "PRODUCT": 30, "END": 5},),
    "COUPON": ({"CART": 30, "CHECKOUT": 55, "END": 4},),
    "CHECKOUT": ({"CHECKOUT_VIEW": 100},),
    "CHECKOUT_VIEW": ({"PURCHASE": 78, "DECLINED": 12, "END": 10},),
    "DECLINED": ({"CHECKOUT": 50, "HELP": 20, "END": 30},),
    "PURCHASE": ({"CONFIRMATION": 100},),
    "CONFIRMATION": ({"HOME": 10, "END": 90},),
    "HELP": ({"HOME": 30, "END": 70}, {"HOME": 25, "CART": 15, "END": 60}),
    "ACCOUNT": ({"HOME": 35, "END": 65},),
    "REPORTS": ({"EXPORT": 45, "TEAM": 10, "ACCOUNT": 10, "HOME": 10, "END": 25},),
    "EXPORT": ({"EXPORT": 25, "REPORTS": 20, "END": 55},),
    "TEAM": ({"INVITE": 80, "END": 20},),
    "INVITE": ({"INVITE": 20, "END": 80},),
    "TIMEOUT": ({"END": 100},),  # never a state: a timeout keeps the walk where it was
}
TIMEOUT_SHARE = 0.008


def cumulative(row):
    p = np.zeros(N_TOKENS)
    for name, weight in row.items():
        p[T[name]] = weight
    c = np.cumsum(p / p.sum())
    c[-1] = 1.0
    return c


def transition_table():
    """cum[cart, token] is the cumulative distribution of the next token."""
    cum = np.zeros((2, N_TOKENS, N_TOKENS))
    for name, rows in NEXT.items():
        for cart in (0, 1):
            cum[cart, T[name]] = cumulative(rows[min(cart, len(rows) - 1)])
    cum[:, T["END"], :] = cumulative({"END": 1})
    return cum


def product_prices():
    """Cents, as the demo's catalogue: log-uniform from 5 to 400 dollars, .99."""
    rng = np.random.default_rng(0x5E60D05)
    dollars = np.exp(np.log(5) + rng.random(PRODUCTS) * (np.log(400) - np.log(5)))
    return np.floor(dollars).astype(np.int64) * 100 + 99


def ids(prefix, numbers, width):
    text = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width=width,
                        padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def weighted(rng, weights, n):
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


class Users:
    """Every user's profile, and how active each one is."""

    def __init__(self, count, seed):
        rng = np.random.default_rng([seed, 1])
        n = count
        self.count = n
        self.width = max(6, len(str(n)))
        self.ids = ids("u", np.arange(1, n + 1), self.width)
        self.country = weighted(rng, COUNTRY_WEIGHTS, n)
        first = rng.integers(0, 8, n)
        last = rng.integers(0, 8, n)
        accounts = max(5, n // 20)
        in_account = rng.random(n) < 0.4
        u = rng.random(n)
        account = (accounts * u * u).astype(np.int64)
        account_ids = ids("a", account + 1, max(4, len(str(accounts))))
        self.account_ids = pc.if_else(pa.array(in_account), account_ids,
                                      pa.nulls(n, pa.string()))
        self.in_account = in_account
        plan = np.where(in_account, weighted(rng, [25, 45, 28, 2], n),
                        weighted(rng, [60, 26, 12, 2], n))
        signup_day = np.where(rng.random(n) < 0.25, START_DAY + rng.integers(0, DAYS, n),
                              START_DAY - 1 - rng.integers(0, 730, n))
        signup = signup_day * DAY + rng.integers(7 * HOUR, 23 * HOUR, n)
        opt_in = rng.random(n) < 0.45
        age = 18 + ((rng.random(n) + rng.random(n)) / 2 * 55).astype(np.int64)
        no_age = rng.random(n) < 0.15
        role = rng.integers(0, len(ROLES), n)
        no_role = rng.random(n) >= np.where(in_account, 0.7, 0.05)

        firsts = pa.array([w for c in FIRST_NAMES for w in c.split()])
        lasts = pa.array([w for c in LAST_NAMES for w in c.split()])
        numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
        self.table = pa.table([
            self.ids,
            pc.binary_join_element_wise(firsts.take(pa.array(self.country * 8 + first)), ".",
                                        lasts.take(pa.array(self.country * 8 + last)), numbers,
                                        "@example.com", ""),
            self.account_ids,
            pa.array(COUNTRIES).take(pa.array(self.country)),
            pa.array(PLANS + [None]).take(pa.array(plan)),
            pa.array(signup_day.astype(np.int32), pa.date32()),
            pa.array(opt_in),
            pa.array(age, mask=no_age),
            pa.array(ROLES).take(pa.array(role, mask=no_role)),
        ], schema=USERS_SCHEMA)

        # Activity, as the demo's: none, one-off, casual, regular, power
        # user; weighed by how much of the 90 days the user is around for
        # (from signup; a fifth lapse early).
        kind = weighted(rng, [3, 15, 47, 26, 9], n)
        low = np.array([0, 1, 2, 8, 25])[kind]
        high = np.array([0, 1, 8, 25, 70])[kind]
        base = low + rng.random(n) * (high - low)
        self.window_start = np.maximum(signup, START)
        span = END - self.window_start
        lapsed = rng.random(n) < 0.2
        self.window_end = np.where(
            lapsed, self.window_start + (span * (0.1 + 0.8 * rng.random(n))).astype(np.int64)
            + HOUR, END)
        self.window_end = np.minimum(self.window_end, END)
        weight = base * (self.window_end - self.window_start) / (DAYS * DAY)
        self.cdf = np.cumsum(weight)
        self.cdf /= self.cdf[-1]
        self.device = weighted(rng, [50, 40, 10], n)
        self.browser = browser_for(rng, self.device)

    def pick(self, rng, n):
        return np.minimum(np.searchsorted(self.cdf, rng.random(n), side="right"), self.count - 1)


def browser_for(rng, device):
    desktop = weighted(rng, [55, 15, 15, 15], len(device))
    other = weighted(rng, [45, 50, 5, 0], len(device))
    return np.where(device == 0, desktop, other)


def segmented_cumsum(values, starts):
    """The running sum of non-negative values, restarting where starts is
    true (the first element must start)."""
    running = np.cumsum(values)
    return running - np.maximum.accumulate(np.where(starts, running - values, 0))


def walks(rng, n, cum):
    """Tokens of n sessions, a row each (END pads), and the product of each
    event (-1: none)."""
    tokens = np.full((n, MAX_EVENTS_PER_SESSION), T["END"], dtype=np.int8)
    products = np.full((n, MAX_EVENTS_PER_SESSION), -1, dtype=np.int8)
    first = np.zeros(N_TOKENS)
    for name, weight in FIRST.items():
        first[T[name]] = weight
    state = rng.choice(N_TOKENS, size=n, p=first / first.sum()).astype(np.int64)
    cart = np.zeros(n, dtype=np.int64)
    product = np.full(n, -1, dtype=np.int64)
    active = np.arange(n)
    for step in range(MAX_EVENTS_PER_SESSION):
        s = state[active]
        is_product = s == T["PRODUCT"]
        fresh = 1 + (PRODUCTS * rng.random(len(active)) ** 1.8).astype(np.int64)
        product[active] = np.where(is_product, fresh, product[active])
        emitted = s.copy()
        timeout = rng.random(len(active)) < TIMEOUT_SHARE
        emitted[timeout & (step > 0)] = T["TIMEOUT"]
        tokens[active, step] = emitted
        carries = np.isin(emitted, [T["PRODUCT"], T["ADD"], T["REMOVE"]])
        products[active, step] = np.where(carries, product[active], -1)
        cart[active] = np.where(s == T["ADD"], 1, np.where(s == T["PURCHASE"], 0, cart[active]))
        # The next state (a timeout leaves the state as it was).
        rows = cum[cart[active], s]
        following = (rows <= rng.random(len(active))[:, None]).sum(axis=1)
        state[active] = np.where(timeout & (step > 0), s, following)
        active = active[state[active] != T["END"]]
        if len(active) == 0:
            break
    return tokens, products


class Writer:
    """Collects events; writes them as shuffled row groups of 2^20 rows."""

    def __init__(self, path, seed):
        self.writer = pq.ParquetWriter(path, EVENTS_SCHEMA, compression="zstd")
        self.pending = []
        self.rows = 0
        self.rng = np.random.default_rng([seed, 3])

    def add(self, table):
        self.pending.append(table)
        self.rows += table.num_rows
        while self.rows >= ROW_GROUP_ROWS:
            self.flush(ROW_GROUP_ROWS)

    def flush(self, n):
        table = pa.concat_tables(self.pending)
        order = self.rng.permutation(table.num_rows)
        self.writer.write_table(table.take(order[:n]), row_group_size=ROW_GROUP_ROWS)
        rest = table.take(np.sort(order[n:]))
        self.pending = [rest] if rest.num_rows else []
        self.rows = rest.num_rows

    def close(self):
        if self.rows:
            self.flush(self.rows)
        self.writer.close()


def names_vocabulary():
    """Event names: one per token, then the 50 product pages."""
    names = [name or "" for _, _, name in TOKENS]
    return pa.array(names + [f"/product/p{p:03d}" for p in range(1, PRODUCTS + 1)])


def session_events(rng, users, cum, prices, first_session, n, session_width):
    """The events of n sessions numbered from first_session, session by
    session in time order."""
    tokens, products = walks(rng, n, cum)
    rows, steps = np.nonzero(tokens != T["END"])
    token = tokens[rows, steps].astype(np.int64)
    product = products[rows, steps].astype(np.int64)
    count = len(rows)

    # Whose sessions, and when they start.
    user = users.pick(rng, n)
    anonymous = rng.random(n) < ANONYMOUS_SHARE
    span = np.maximum(users.window_end[user] - users.window_start[user] - HOUR, 1)
    start = users.window_start[user] + (rng.random(n) * span).astype(np.int64)
    device = np.where(rng.random(n) < 0.8, users.device[user], rng.integers(0, 3, n))
    browser = np.where(device == users.device[user], users.browser[user],
                       browser_for(rng, device))
    browser = np.where(rng.random(n) < 0.9, browser, browser_for(rng, device))
    geo = np.where(rng.random(n) < 0.92, users.country[user], rng.integers(0, 7, n))
    referrer = weighted(rng, [45, 25, 12, 18], n) - 1

    # Times: the gap before each event depends on what it is.
    new = np.ones(count, dtype=bool)
    new[1:] = rows[1:] != rows[:-1]
    u = rng.random(count)
    wait = 2 * SECOND + (u * u * 150_000).astype(np.int64) + rng.integers(0, 1000, count)
    short = rng.integers(200, 4 * SECOND, count)
    gap = wait
    quick = np.isin(token, [T["SEARCH_VIEW"], T["CHECKOUT_VIEW"], T["CONFIRMATION"]])
    gap = np.where(quick, short, gap)
    gap = np.where(np.isin(token, [T["PURCHASE"], T["DECLINED"]]),
                   rng.integers(5 * SECOND, 60 * SECOND, count), gap)
    gap = np.where(token == T["TIMEOUT"], rng.integers(SECOND, 10 * SECOND, count), gap)
    # The quick-add button and a login are often logged in the same
    # millisecond as the event before them.
    same = rng.random(count)
    gap = np.where((token == T["ADD"]) & (same < 0.25), 0, gap)
    gap = np.where(token == T["LOGIN"], np.where(same < 0.3, 0, short), gap)
    gap[new] = 0
    ts = start[rows] + segmented_cumsum(gap, new)
    keep = ts < END
    # The referrer is on the session's first view.
    view = np.array([kind == "view" for _, kind, _ in TOKENS])[token]
    first_view = view & (segmented_cumsum(view.astype(np.int64), new) == 1)

    # Amounts: an add is its product's price, a purchase the cart's total
    # since the session's start or its last purchase.
    add = token == T["ADD"]
    purchase = token == T["PURCHASE"]
    price = np.where(add, prices[np.maximum(product, 1) - 1], 0)
    after_purchase = np.zeros(count, dtype=bool)
    after_purchase[1:] = purchase[:-1]
    cart_total = segmented_cumsum(price, new | after_purchase)
    amount = np.where(add, price, cart_total) / 100.0
    amount_null = ~(add | purchase)

    # Strings.
    session_numbers = first_session + np.arange(n)
    session_ids = ids("s", session_numbers, session_width)
    no_session = rng.random(count) < NO_SESSION_SHARE
    user_of = user[rows]
    anonymous_of = anonymous[rows]
    in_account = users.in_account[user_of] & (rng.random(count) < 0.7) & ~anonymous_of
    kinds = pa.array([kind or "" for _, kind, _ in TOKENS])
    name_index = np.where(token == T["PRODUCT"], N_TOKENS + product - 1, token)
    table = pa.table([
        pa.array(ts, pa.timestamp("ms", tz="UTC")),
        users.ids.take(pa.array(user_of, mask=anonymous_of)),
        session_ids.take(pa.array(rows, mask=no_session)),
        kinds.take(pa.array(token)),
        names_vocabulary().take(pa.array(name_index)),
        users.account_ids.take(pa.array(user_of, mask=~in_account)),
        pa.array(DEVICES).take(pa.array(device[rows])),
        pa.array(BROWSERS).take(pa.array(browser[rows])),
        pa.array(COUNTRIES).take(pa.array(geo[rows])),
        pa.array(amount, mask=amount_null),
        pa.array([f"p{p:03d}" for p in range(1, PRODUCTS + 1)]).take(
            pa.array(np.maximum(product, 1) - 1, mask=product < 1)),
        pa.array(QUERIES).take(pa.array(rng.integers(0, len(QUERIES), count),
                                        mask=token != T["SEARCH"])),
        pa.array(REFERRERS).take(pa.array(np.maximum(referrer[rows], 0),
                                          mask=~first_view | (referrer[rows] < 0))),
        pc.if_else(pa.array(anonymous_of), ids("anon-", user_of + 1, users.width),
                   pa.nulls(count, pa.string())),
    ], schema=EVENTS_SCHEMA)
    return table.filter(pa.array(keep))


def generate(events, out, seed, per_user, quiet=False):
    os.makedirs(out, exist_ok=True)
    started = time.time()
    users = Users(max(1, round(events / per_user)), seed)
    pq.write_table(users.table, os.path.join(out, "users.parquet"), compression="zstd",
                   row_group_size=ROW_GROUP_ROWS)
    cum = transition_table()
    prices = product_prices()
    # Session numbers: sessions average about 10 events.
    session_width = max(7, len(str(max(1, events // 5))))
    writer = Writer(os.path.join(out, "events.parquet"), seed)
    written = 0
    sessions = 0
    batch = 0
    while written < events:
        rng = np.random.default_rng([seed, 2, batch])
        table = session_events(rng, users, cum, prices, sessions + 1, SESSIONS_PER_BATCH,
                               session_width)
        batch += 1
        sessions += SESSIONS_PER_BATCH
        table = table.slice(0, events - written)
        writer.add(table)
        written += table.num_rows
        if not quiet:
            print(f"\r{written:,} events", end="", file=sys.stderr, flush=True)
    writer.close()
    if not quiet:
        print(f"\r{written:,} events, {users.count:,} users, {time.time() - started:.1f} s",
              file=sys.stderr)
    return written


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, required=True, help="number of events")
    p.add_argument("--out", required=True, help="folder to write the Parquet files into")
    p.add_argument("--force", action="store_true", help="replace the files if they exist")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--events-per-user", type=float, default=EVENTS_PER_USER,
                   help="sets the number of users: events / this (default 30)")
    args = p.parse_args()
    if args.events < 1:
        sys.exit("highcard.py: --events must be at least 1")
    for name in ("events.parquet", "users.parquet"):
        path = os.path.join(args.out, name)
        if os.path.exists(path) and not args.force:
            sys.exit(f"highcard.py: {path} exists (--force replaces it)")
    # Prepared copies of older files would no longer match.
    shutil.rmtree(os.path.join(args.out, ".prepared"), ignore_errors=True)
    generate(args.events, args.out, args.seed, args.events_per_user)


if __name__ == "__main__":
    main()
