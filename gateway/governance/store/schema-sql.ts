/**
 * The governance schema in PostgreSQL: one row per counter window, and the function that
 * checks and charges every counter of a request in one statement. Window starts are
 * computed here from the database's clock (one clock for every node), with the same math
 * as windows.ts.
 */

/**
 * The parameters, result and start of governance_apply_leased (version 3), which
 * governance_apply_held (version 4) takes too, after its holder and TTL.
 */
const LEASED_APPLY_HEAD = `  a_kinds text[], a_ids text[], a_limits text[], a_starts_ms float8[], a_deltas numeric[], a_lease_deltas numeric[],
  p_request integer[], p_kinds text[], p_ids text[], p_limits text[], p_seconds bigint[], p_months integer[], p_offsets bigint[],
  p_max numeric[], p_amounts numeric[], p_strict boolean[], p_lease_min numeric[], p_lease_max numeric[])
RETURNS TABLE (o_index integer, o_start_ms float8, o_end_ms float8, o_used numeric, o_admitted boolean, o_now_ms float8, o_granted numeric)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  na integer := coalesce(array_length(a_kinds, 1), 0);`;

/** Migrations in order; each runs once per database, under an advisory lock. */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE IF NOT EXISTS governance_counters (
  scope_kind   text        NOT NULL,
  scope_id     text        NOT NULL,
  limit_kind   text        NOT NULL,
  window_start timestamptz NOT NULL,
  used         numeric     NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope_kind, scope_id, limit_kind, window_start)
);

CREATE OR REPLACE FUNCTION governance_window_start(at timestamptz, seconds bigint, months integer, offset_seconds bigint)
RETURNS timestamptz LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN months > 0 THEN
    make_timestamptz(1970, 1, 1, 0, 0, 0, 'UTC') + make_interval(months => (floor(
      ((extract(year FROM at AT TIME ZONE 'UTC')::integer - 1970) * 12 + extract(month FROM at AT TIME ZONE 'UTC')::integer - 1)::numeric / months
    ) * months)::integer)
  ELSE
    to_timestamp((floor((extract(epoch FROM at) - offset_seconds) / seconds) * seconds + offset_seconds)::double precision)
  END
$fn$;

CREATE OR REPLACE FUNCTION governance_admit(
  p_kinds text[], p_ids text[], p_limits text[], p_seconds bigint[], p_months integer[], p_offsets bigint[],
  p_max numeric[], p_amounts numeric[], p_strict boolean[])
RETURNS TABLE (o_index integer, o_window_start timestamptz, o_window_end timestamptz, o_used numeric, o_admitted boolean, o_now timestamptz)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
  n integer := coalesce(array_length(p_kinds, 1), 0);
  t timestamptz := now();
  starts timestamptz[] := '{}';
  ends timestamptz[] := '{}';
  usage_now numeric[] := '{}';
  denied integer := 0;
  row_used numeric;
BEGIN
  FOR i IN 1..n LOOP
    starts[i] := governance_window_start(t, p_seconds[i], p_months[i], p_offsets[i]);
    ends[i] := CASE WHEN p_months[i] > 0 THEN starts[i] + make_interval(months => p_months[i])
                    ELSE starts[i] + make_interval(secs => p_seconds[i]::double precision) END;
  END LOOP;
  -- Rows are created, then locked, in one fixed order, so that nodes charging overlapping
  -- counters wait for each other instead of deadlocking.
  INSERT INTO governance_counters (scope_kind, scope_id, limit_kind, window_start)
    SELECT u.k, u.s, u.l, u.w FROM unnest(p_kinds, p_ids, p_limits, starts) AS u(k, s, l, w) ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM governance_counters c
    JOIN unnest(p_kinds, p_ids, p_limits, starts) AS u(k, s, l, w)
      ON c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = u.w
    ORDER BY c.scope_kind, c.scope_id, c.limit_kind, c.window_start
    FOR UPDATE OF c;
  FOR i IN 1..n LOOP
    SELECT c.used INTO row_used FROM governance_counters c
      WHERE c.scope_kind = p_kinds[i] AND c.scope_id = p_ids[i] AND c.limit_kind = p_limits[i] AND c.window_start = starts[i];
    usage_now[i] := row_used;
    -- A request counter admits exactly max per window; a token or dollar counter refuses once
    -- it has reached its limit (the request that crosses it was allowed, as in Bifrost).
    IF denied = 0 AND ((p_strict[i] AND usage_now[i] + p_amounts[i] > p_max[i]) OR (NOT p_strict[i] AND usage_now[i] >= p_max[i])) THEN
      denied := i;
    END IF;
  END LOOP;
  IF denied = 0 THEN
    UPDATE governance_counters c SET used = c.used + u.a, updated_at = t
      FROM unnest(p_kinds, p_ids, p_limits, starts, p_amounts) AS u(k, s, l, w, a)
      WHERE c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = u.w;
  END IF;
  RETURN QUERY SELECT g.i, starts[g.i], ends[g.i],
    usage_now[g.i] + CASE WHEN denied = 0 THEN p_amounts[g.i] ELSE 0 END,
    denied = 0 OR denied <> g.i, t
    FROM generate_series(1, n) AS g(i);
END
$fn$;
`,
  },
  {
    // Version 2 created governance_apply, the statement of a batch. Version 3 re-creates it as
    // a wrapper of governance_apply_leased, which every database gets on its way past here;
    // the text that stood here ran once on each database that reached version 2 before 3 existed.
    version: 2,
    sql: 'SELECT 1',
  },
  {
    // Version 3: leases. "leased" is the part of "used" that is headroom handed to nodes
    // and not spent yet; the usage view shows used - leased. Nodes of versions 1 and 2 keep
    // calling governance_admit and governance_apply, which judge "used" (leases included),
    // so they never admit into headroom a newer node holds.
    version: 3,
    sql: `
ALTER TABLE governance_counters ADD COLUMN IF NOT EXISTS leased numeric NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION governance_apply_leased(
${LEASED_APPLY_HEAD}
  n integer := coalesce(array_length(p_kinds, 1), 0);
  t timestamptz := now();
  starts timestamptz[] := '{}';
  ends timestamptz[] := '{}';
  -- The distinct counter rows of the batch; a_row and p_row say which one each adjustment and
  -- charge touches. Usage is worked on in r_used and written back once, whatever the batch size.
  r_keys text[] := '{}';
  r_kinds text[] := '{}';
  r_ids text[] := '{}';
  r_limits text[] := '{}';
  r_starts timestamptz[] := '{}';
  r_used numeric[];
  r_leased numeric[];
  granted numeric[] := '{}';
  headroom numeric;
  a_row integer[] := '{}';
  p_row integer[] := '{}';
  seen numeric[] := '{}';
  ok boolean[] := '{}';
  k text;
  w timestamptz;
  pos integer;
  i integer;
  j integer;
  denied integer;
BEGIN
  FOR i IN 1..na LOOP
    w := to_timestamp(a_starts_ms[i] / 1000.0);
    k := a_kinds[i] || chr(1) || a_ids[i] || chr(1) || a_limits[i] || chr(1) || extract(epoch FROM w)::text;
    pos := array_position(r_keys, k);
    IF pos IS NULL THEN
      r_keys := r_keys || k; r_kinds := r_kinds || a_kinds[i]; r_ids := r_ids || a_ids[i]; r_limits := r_limits || a_limits[i]; r_starts := r_starts || w;
      pos := array_length(r_keys, 1);
    END IF;
    a_row[i] := pos;
  END LOOP;
  FOR i IN 1..n LOOP
    starts[i] := governance_window_start(t, p_seconds[i], p_months[i], p_offsets[i]);
    ends[i] := CASE WHEN p_months[i] > 0 THEN starts[i] + make_interval(months => p_months[i])
                    ELSE starts[i] + make_interval(secs => p_seconds[i]::double precision) END;
    k := p_kinds[i] || chr(1) || p_ids[i] || chr(1) || p_limits[i] || chr(1) || extract(epoch FROM starts[i])::text;
    pos := array_position(r_keys, k);
    IF pos IS NULL THEN
      r_keys := r_keys || k; r_kinds := r_kinds || p_kinds[i]; r_ids := r_ids || p_ids[i]; r_limits := r_limits || p_limits[i]; r_starts := r_starts || starts[i];
      pos := array_length(r_keys, 1);
    END IF;
    p_row[i] := pos;
  END LOOP;
  -- Rows are created, then locked, in the same fixed order as governance_admit's, so that
  -- nodes charging overlapping counters wait for each other instead of deadlocking.
  INSERT INTO governance_counters (scope_kind, scope_id, limit_kind, window_start)
    SELECT u.k, u.s, u.l, u.w FROM unnest(r_kinds, r_ids, r_limits, r_starts) AS u(k, s, l, w) ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING;
  PERFORM 1 FROM governance_counters c
    JOIN unnest(r_kinds, r_ids, r_limits, r_starts) AS u(k, s, l, w)
      ON c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = u.w
    ORDER BY c.scope_kind, c.scope_id, c.limit_kind, c.window_start
    FOR UPDATE OF c;
  SELECT array_agg(c.used ORDER BY u.n), array_agg(c.leased ORDER BY u.n) INTO r_used, r_leased
    FROM unnest(r_kinds, r_ids, r_limits, r_starts) WITH ORDINALITY AS u(k, s, l, w, n)
    JOIN governance_counters c ON c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = u.w;
  -- Settlements first: they correct requests already answered, before anything new is judged.
  FOR i IN 1..na LOOP
    r_used[a_row[i]] := r_used[a_row[i]] + a_deltas[i];
    r_leased[a_row[i]] := greatest(r_leased[a_row[i]] + a_lease_deltas[i], 0);
  END LOOP;
  -- Then each request in the order the node sent them, its charges contiguous under one
  -- p_request number: all of its counters pass, or none is charged.
  i := 1;
  WHILE i <= n LOOP
    j := i;
    WHILE j < n AND p_request[j + 1] = p_request[i] LOOP
      j := j + 1;
    END LOOP;
    denied := 0;
    FOR x IN i..j LOOP
      seen[x] := r_used[p_row[x]];
      -- A request counter admits exactly max per window; a token or dollar counter refuses once
      -- it has reached its limit (the request that crosses it was allowed, as in Bifrost).
      IF denied = 0 AND ((p_strict[x] AND seen[x] + p_amounts[x] > p_max[x]) OR (NOT p_strict[x] AND seen[x] >= p_max[x])) THEN
        denied := x;
      END IF;
    END LOOP;
    FOR x IN i..j LOOP
      granted[x] := 0;
      IF denied = 0 THEN
        r_used[p_row[x]] := r_used[p_row[x]] + p_amounts[x];
        seen[x] := seen[x] + p_amounts[x];
        -- A lease: headroom handed to the node, to admit from its memory. Granted only while at
        -- least 16 of the smallest leases' worth is left, and never more than a sixteenth of it,
        -- so the leases out stay a small part of the headroom and the last stretch before the
        -- limit is judged here, request by request.
        headroom := p_max[x] - r_used[p_row[x]];
        IF p_lease_max[x] > 0 AND headroom >= 16 * p_lease_min[x] THEN
          granted[x] := least(p_lease_max[x], headroom / 16);
          IF p_strict[x] THEN
            granted[x] := floor(granted[x]);
          END IF;
          r_used[p_row[x]] := r_used[p_row[x]] + granted[x];
          r_leased[p_row[x]] := r_leased[p_row[x]] + granted[x];
        END IF;
      END IF;
      ok[x] := denied = 0 OR denied <> x;
    END LOOP;
    i := j + 1;
  END LOOP;
  UPDATE governance_counters c SET used = u.v, leased = u.lv, updated_at = t
    FROM unnest(r_kinds, r_ids, r_limits, r_starts, r_used, r_leased) AS u(k, s, l, w, v, lv)
    WHERE c.scope_kind = u.k AND c.scope_id = u.s AND c.limit_kind = u.l AND c.window_start = u.w
      AND (c.used IS DISTINCT FROM u.v OR c.leased IS DISTINCT FROM u.lv);
  RETURN QUERY SELECT g.i, floor(extract(epoch FROM starts[g.i]) * 1000)::float8, floor(extract(epoch FROM ends[g.i]) * 1000)::float8,
    seen[g.i], ok[g.i], floor(extract(epoch FROM t) * 1000)::float8, granted[g.i]
    FROM generate_series(1, n) AS g(i);
END
$fn$;

CREATE OR REPLACE FUNCTION governance_apply(
  a_kinds text[], a_ids text[], a_limits text[], a_starts_ms float8[], a_deltas numeric[],
  p_request integer[], p_kinds text[], p_ids text[], p_limits text[], p_seconds bigint[], p_months integer[], p_offsets bigint[],
  p_max numeric[], p_amounts numeric[], p_strict boolean[])
RETURNS TABLE (o_index integer, o_start_ms float8, o_end_ms float8, o_used numeric, o_admitted boolean, o_now_ms float8)
LANGUAGE sql AS $fn$
  SELECT l.o_index, l.o_start_ms, l.o_end_ms, l.o_used, l.o_admitted, l.o_now_ms
    FROM governance_apply_leased(a_kinds, a_ids, a_limits, a_starts_ms, a_deltas,
           array_fill(0::numeric, ARRAY[coalesce(array_length(a_kinds, 1), 0)]),
           p_request, p_kinds, p_ids, p_limits, p_seconds, p_months, p_offsets, p_max, p_amounts, p_strict,
           array_fill(0::numeric, ARRAY[coalesce(array_length(p_kinds, 1), 0)]),
           array_fill(0::numeric, ARRAY[coalesce(array_length(p_kinds, 1), 0)])) AS l
$fn$;
`,
  },
  {
    // Version 4: leases held by name. Each node's leases are recorded under a holder id it draws
    // at start, renewed by every statement it sends. A holder that sends nothing for the TTL has
    // crashed (a node that stops gives its leases back): the next statement of any other holder
    // takes its leases back, so a crash no longer keeps headroom locked until the window ends.
    // governance_apply_leased stays as it was, for nodes of version 3 during a rollout.
    version: 4,
    sql: `
CREATE TABLE IF NOT EXISTS governance_leases (
  holder       text        NOT NULL,
  scope_kind   text        NOT NULL,
  scope_id     text        NOT NULL,
  limit_kind   text        NOT NULL,
  window_start timestamptz NOT NULL,
  amount       numeric     NOT NULL,
  renewed_at   timestamptz NOT NULL,
  PRIMARY KEY (holder, scope_kind, scope_id, limit_kind, window_start)
);
CREATE INDEX IF NOT EXISTS governance_leases_renewed_at ON governance_leases (renewed_at);

CREATE OR REPLACE FUNCTION governance_apply_held(
  p_holder text, p_ttl_ms float8,
${LEASED_APPLY_HEAD}
  t timestamptz := now();
  held numeric;
  covered numeric;
  r record;
BEGIN
  -- This holder's leases are renewed, and so locked, before any counter row: a statement that
  -- takes leases back locks counter rows after leases too, so no two statements wait on each
  -- other in opposite orders.
  UPDATE governance_leases SET renewed_at = t WHERE holder = p_holder;
  -- What the holder drew or gave back counts against what its lease still holds here. A lease
  -- taken back while the holder was away is gone from "used" and "leased" already: what it
  -- drew from it since then is usage like any other, and what it gives back is nothing.
  FOR i IN 1..na LOOP
    IF a_lease_deltas[i] < 0 THEN
      SELECT g.amount INTO held FROM governance_leases g
        WHERE g.holder = p_holder AND g.scope_kind = a_kinds[i] AND g.scope_id = a_ids[i] AND g.limit_kind = a_limits[i]
          AND g.window_start = to_timestamp(a_starts_ms[i] / 1000.0);
      covered := greatest(a_lease_deltas[i], -coalesce(held, 0));
      a_deltas[i] := a_deltas[i] - a_lease_deltas[i] + covered;
      a_lease_deltas[i] := covered;
      IF held IS NOT NULL THEN
        UPDATE governance_leases g SET amount = g.amount + covered
          WHERE g.holder = p_holder AND g.scope_kind = a_kinds[i] AND g.scope_id = a_ids[i] AND g.limit_kind = a_limits[i]
            AND g.window_start = to_timestamp(a_starts_ms[i] / 1000.0);
      END IF;
    END IF;
  END LOOP;
  -- Leases of holders silent for the TTL come back: out of "used" and "leased", as if given back.
  -- SKIP LOCKED: a lease its holder is renewing right now is alive.
  FOR r IN
    DELETE FROM governance_leases g
     WHERE (g.holder, g.scope_kind, g.scope_id, g.limit_kind, g.window_start) IN (
       SELECT x.holder, x.scope_kind, x.scope_id, x.limit_kind, x.window_start FROM governance_leases x
        WHERE x.renewed_at < t - make_interval(secs => p_ttl_ms / 1000.0) AND x.holder <> p_holder
        LIMIT 64 FOR UPDATE SKIP LOCKED)
    RETURNING g.scope_kind, g.scope_id, g.limit_kind, g.window_start, g.amount
  LOOP
    a_kinds := a_kinds || r.scope_kind;
    a_ids := a_ids || r.scope_id;
    a_limits := a_limits || r.limit_kind;
    a_starts_ms := a_starts_ms || (extract(epoch FROM r.window_start) * 1000)::float8;
    a_deltas := a_deltas || -r.amount;
    a_lease_deltas := a_lease_deltas || -r.amount;
  END LOOP;
  FOR r IN
    SELECT * FROM governance_apply_leased(a_kinds, a_ids, a_limits, a_starts_ms, a_deltas, a_lease_deltas,
      p_request, p_kinds, p_ids, p_limits, p_seconds, p_months, p_offsets, p_max, p_amounts, p_strict, p_lease_min, p_lease_max)
  LOOP
    IF r.o_granted > 0 THEN
      INSERT INTO governance_leases AS g (holder, scope_kind, scope_id, limit_kind, window_start, amount, renewed_at)
        VALUES (p_holder, p_kinds[r.o_index], p_ids[r.o_index], p_limits[r.o_index], to_timestamp(r.o_start_ms / 1000.0), r.o_granted, t)
        ON CONFLICT (holder, scope_kind, scope_id, limit_kind, window_start) DO UPDATE SET amount = g.amount + EXCLUDED.amount, renewed_at = t;
    END IF;
    o_index := r.o_index;
    o_start_ms := r.o_start_ms;
    o_end_ms := r.o_end_ms;
    o_used := r.o_used;
    o_admitted := r.o_admitted;
    o_now_ms := r.o_now_ms;
    o_granted := r.o_granted;
    RETURN NEXT;
  END LOOP;
  DELETE FROM governance_leases g WHERE g.holder = p_holder AND g.amount <= 0;
END
$fn$;
`,
  },
];
