-- The table of the PostgreSQL election backend (io.github.election:election-postgresql), and its
-- fencing function. The backend runs this itself when the table is missing (unless its URI says
-- create=false); run it by hand (psql -f schema.sql) where the application's role may not run DDL,
-- then grant that role SELECT, INSERT, UPDATE on the table and EXECUTE on the function.
-- For another table name, or a schema, replace every "election_leader" below (the backend does the
-- same): the function is always named after the table, <table>_assert.

CREATE TABLE IF NOT EXISTS election_leader (
  name              text PRIMARY KEY,          -- the election
  holder            text,                      -- the identity of the leader; NULL: nobody
  lease_duration_ms bigint,                    -- how long the holder may go without renewing
  acquire_time      timestamptz,               -- when the holder acquired it (the database's clock)
  renew_time        timestamptz,               -- when the holder last renewed it (the database's clock)
  transitions       bigint NOT NULL DEFAULT 0, -- acquisitions by a new holder or after a gap
  preferred_holder  text,                      -- after a handover to a named candidate: who is to take it
  term              bigint GENERATED ALWAYS AS (transitions + 1) STORED, -- the fencing token
  version           bigint NOT NULL            -- grows with every write: compare-and-set
);

-- The candidates of a priority above 0 (builder.priority(N)): one row each, written again before
-- it runs out (expires_at, the database's clock) and removed when the candidate leaves. Read by a
-- leader to choose whom to hand over to; candidates of priority 0 write nothing here.
CREATE TABLE IF NOT EXISTS election_leader_roster (
  election   text NOT NULL,
  identity   text NOT NULL,
  priority   integer NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (election, identity)
);

-- Fencing: a leader calls this inside its own transaction, with its term, before it writes:
--   SELECT election_leader_assert('jobs', 42);
-- It fails (SQLSTATE EL001) unless that term is the current one, held and unexpired by this
-- database's clock. Otherwise it keeps a KEY SHARE lock on the row until the transaction ends: a
-- change of term (another candidate taking over) waits for that transaction, so a leader's writes
-- land either before its successor's term starts or not at all. A renewal is not held up (it takes
-- a weaker lock). It also bounds how long the transaction may stay idle (the session is ended after
-- what is left of the lease, idle_in_transaction_session_timeout), so that a frozen leader cannot
-- hold a takeover up longer than its lease: its transaction is then rolled back.
CREATE OR REPLACE FUNCTION election_leader_assert(election text, expected_term bigint)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  current_holder text;
  current_term bigint;
  remaining_ms bigint;
  idle_limit_ms bigint;
BEGIN
  SELECT holder, term,
         floor(extract(epoch FROM renew_time + lease_duration_ms * interval '1 millisecond'
                                  - clock_timestamp()) * 1000)
    INTO current_holder, current_term, remaining_ms
    FROM election_leader WHERE name = election FOR KEY SHARE;
  IF NOT FOUND OR current_holder IS NULL OR current_term IS DISTINCT FROM expected_term
     OR remaining_ms IS NULL OR remaining_ms <= 0 THEN
    RAISE EXCEPTION 'not the leader of election % in term %', election, expected_term
      USING ERRCODE = 'EL001',
            DETAIL = format('holder %s, term %s, lease left %s ms', coalesce(current_holder, 'none'),
                            coalesce(current_term::text, 'none'), coalesce(remaining_ms::text, '-'));
  END IF;
  SELECT setting::bigint INTO idle_limit_ms FROM pg_settings
   WHERE name = 'idle_in_transaction_session_timeout';
  IF idle_limit_ms = 0 OR idle_limit_ms > remaining_ms THEN
    PERFORM set_config('idle_in_transaction_session_timeout', greatest(remaining_ms, 1)::text, true);
  END IF;
END
$$;
