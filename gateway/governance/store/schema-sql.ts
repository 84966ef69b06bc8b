/**
 * The governance schema in PostgreSQL: one row per counter window, and the function that
 * checks and charges every counter of a request in one statement. Window starts are
 * computed here from the database's clock (one clock for every node), with the same math
 * as windows.ts.
 */

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
];
