"""Schema and its migrations, applied in order at start-up.

Each migration runs in its own transaction and records its number in
``schema_version``; a database made by an older version is brought forward.
Only primary keys are declared: uniqueness rules (one phone per person and so on)
are checked by the services under the write lock, which gives clear messages
instead of constraint errors.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

# Each migration is a list of SQL statements or callables taking the connection.
MIGRATIONS: list[list] = [
    # 1: forum, groups, participants, budget programs, settings, audit trail
    [
        "CREATE SEQUENCE forum_id_seq START 1",
        "CREATE SEQUENCE group_id_seq START 1",
        "CREATE SEQUENCE participant_id_seq START 1",
        "CREATE SEQUENCE phase_id_seq START 1",
        "CREATE SEQUENCE program_id_seq START 1",
        "CREATE SEQUENCE audit_id_seq START 1",
        """CREATE TABLE app_setting (
            key VARCHAR PRIMARY KEY,
            value VARCHAR
        )""",
        """CREATE TABLE forum (
            id INTEGER PRIMARY KEY DEFAULT nextval('forum_id_seq'),
            title VARCHAR NOT NULL,
            municipality VARCHAR NOT NULL,
            goals VARCHAR,
            forum_date DATE NOT NULL,
            venue VARCHAR NOT NULL,
            start_time TIME NOT NULL,
            duration_min INTEGER NOT NULL,
            pebbles_per_participant INTEGER NOT NULL,
            priorities_per_group INTEGER NOT NULL,
            token_secret VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE agenda_phase (
            id INTEGER PRIMARY KEY DEFAULT nextval('phase_id_seq'),
            forum_id INTEGER NOT NULL,
            position INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            minutes INTEGER NOT NULL
        )""",
        """CREATE TABLE working_group (
            id INTEGER PRIMARY KEY DEFAULT nextval('group_id_seq'),
            forum_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            name VARCHAR NOT NULL,
            field VARCHAR NOT NULL,
            room VARCHAR,
            facilitator VARCHAR,
            expert VARCHAR,
            target_min INTEGER NOT NULL,
            target_max INTEGER NOT NULL
        )""",
        """CREATE TABLE participant (
            id INTEGER PRIMARY KEY DEFAULT nextval('participant_id_seq'),
            forum_id INTEGER NOT NULL,
            group_id INTEGER,
            first_name VARCHAR NOT NULL,
            last_name VARCHAR NOT NULL,
            phone VARCHAR,
            gender VARCHAR,
            birth_year INTEGER,
            community VARCHAR,
            email VARCHAR,
            needs VARCHAR,
            source VARCHAR NOT NULL,
            search_key VARCHAR NOT NULL,
            phone_digits VARCHAR,
            version INTEGER NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            removed_at TIMESTAMP
        )""",
        """CREATE TABLE budget_program (
            id INTEGER PRIMARY KEY DEFAULT nextval('program_id_seq'),
            forum_id INTEGER NOT NULL,
            field VARCHAR NOT NULL,
            program_code VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            amount DECIMAL(14, 2),
            year INTEGER,
            description VARCHAR
        )""",
        """CREATE TABLE audit_log (
            id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
            happened_at TIMESTAMP NOT NULL,
            forum_id INTEGER,
            role VARCHAR NOT NULL,
            device VARCHAR,
            action VARCHAR NOT NULL,
            entity VARCHAR,
            entity_id VARCHAR,
            before VARCHAR,
            after VARCHAR
        )""",
    ],
]


def _issue_missing_tokens(con: duckdb.DuckDBPyConnection) -> None:
    """Participants created before tokens existed get one (migration 2)."""
    from forum_core import tokens

    rows = con.execute(
        "SELECT p.id, p.forum_id, f.token_secret FROM participant p JOIN forum f ON f.id = p.forum_id "
        "WHERE p.id NOT IN (SELECT participant_id FROM participant_token)"
    ).fetchall()
    for pid, _forum_id, secret in rows:
        con.execute(
            "INSERT INTO participant_token (token, participant_id, issued_at) VALUES (?, ?, ?)",
            [tokens.new_token(secret), pid, datetime.now()],
        )


MIGRATIONS.append(
    [
        # 2: QR tokens, check-in events (appended, never updated; scans are logged in audit_log)
        """CREATE TABLE participant_token (
        token VARCHAR PRIMARY KEY,
        participant_id INTEGER NOT NULL,
        issued_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
    )""",
        "CREATE SEQUENCE checkin_id_seq START 1",
        """CREATE TABLE checkin_event (
        id BIGINT PRIMARY KEY DEFAULT nextval('checkin_id_seq'),
        forum_id INTEGER NOT NULL,
        participant_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,          -- check_in | undo
        method VARCHAR NOT NULL,        -- scan | camera | name | paper | walk_in
        happened_at TIMESTAMP NOT NULL,
        recorded_at TIMESTAMP NOT NULL,
        desk VARCHAR NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR,
        undoes BIGINT
    )""",
        _issue_missing_tokens,
    ]
)

MIGRATIONS.append(
    [
        # 3: group work: strengths/weaknesses, problems, pebble counts (events), group events, initiatives
        "ALTER TABLE forum ADD COLUMN flagged_in_vote BOOLEAN DEFAULT false",
        "CREATE SEQUENCE item_id_seq START 1",
        """CREATE TABLE assessment_item (
        id INTEGER PRIMARY KEY DEFAULT nextval('item_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,           -- strength | weakness
        text VARCHAR NOT NULL,
        position DOUBLE NOT NULL,
        created_at TIMESTAMP NOT NULL,
        deleted_at TIMESTAMP
    )""",
        "CREATE SEQUENCE problem_id_seq START 1",
        """CREATE TABLE problem (
        id INTEGER PRIMARY KEY DEFAULT nextval('problem_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        title VARCHAR NOT NULL,
        detail VARCHAR NOT NULL DEFAULT '',
        created_at TIMESTAMP NOT NULL,
        deleted_at TIMESTAMP,
        merged_into INTEGER,
        outside_competence BOOLEAN NOT NULL DEFAULT false,
        competence_note VARCHAR NOT NULL DEFAULT ''
    )""",
        "CREATE SEQUENCE vote_id_seq START 1",
        """CREATE TABLE pebble_count (
        id BIGINT PRIMARY KEY DEFAULT nextval('vote_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        problem_id INTEGER NOT NULL,
        round INTEGER NOT NULL,          -- 0: the pebble vote; 1, 2...: re-votes among tied problems
        pebbles INTEGER NOT NULL,
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
        "CREATE SEQUENCE group_event_id_seq START 1",
        """CREATE TABLE group_event (
        id BIGINT PRIMARY KEY DEFAULT nextval('group_event_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,           -- revote | tie_decision | finalise | reopen | presenter | absent
        payload VARCHAR NOT NULL,        -- JSON
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
        "CREATE SEQUENCE initiative_id_seq START 1",
        """CREATE TABLE initiative (
        id INTEGER PRIMARY KEY DEFAULT nextval('initiative_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        problem_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL DEFAULT '',
        title VARCHAR NOT NULL DEFAULT '',
        goal VARCHAR NOT NULL DEFAULT '',
        actions VARCHAR NOT NULL DEFAULT '',
        beneficiaries_count INTEGER,
        beneficiaries_age VARCHAR NOT NULL DEFAULT '',
        beneficiaries_specifics VARCHAR NOT NULL DEFAULT '',
        vulnerable_groups VARCHAR NOT NULL DEFAULT '',
        large_scale VARCHAR NOT NULL DEFAULT '',
        resources_needed VARCHAR NOT NULL DEFAULT '',
        resources_available VARCHAR NOT NULL DEFAULT '',
        partners VARCHAR NOT NULL DEFAULT '',
        sufficient VARCHAR NOT NULL DEFAULT '',
        cost_gel INTEGER,
        program_id INTEGER,
        updated_at TIMESTAMP NOT NULL
    )""",
    ]
)

MIGRATIONS.append(
    [
        # 4: the plenary screen's state, as the moderator's events (mode, presenting group, order, timer, reveal)
        "CREATE SEQUENCE plenary_event_id_seq START 1",
        """CREATE TABLE plenary_event (
        id BIGINT PRIMARY KEY DEFAULT nextval('plenary_event_id_seq'),
        forum_id INTEGER NOT NULL,
        kind VARCHAR NOT NULL,           -- mode | present | order | reveal | slot | timer_start | timer_pause | timer_reset
        payload VARCHAR NOT NULL,        -- JSON
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
    ]
)

MIGRATIONS.append(
    [
        # 5: access codes (salted scrypt hashes only) and signed-in devices (sha256 of their cookie token)
        "CREATE SEQUENCE access_code_id_seq START 1",
        """CREATE TABLE access_code (
        id INTEGER PRIMARY KEY DEFAULT nextval('access_code_id_seq'),
        forum_id INTEGER,                -- NULL: the installation's organizer code
        role VARCHAR NOT NULL,
        group_id INTEGER,
        label VARCHAR NOT NULL DEFAULT '',
        prefix VARCHAR NOT NULL,         -- the code's first two characters: which hash to compare with
        salt VARCHAR NOT NULL,
        hash VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
    )""",
        "CREATE SEQUENCE device_session_id_seq START 1",
        """CREATE TABLE device_session (
        id INTEGER PRIMARY KEY DEFAULT nextval('device_session_id_seq'),
        token_hash VARCHAR NOT NULL,
        code_id INTEGER NOT NULL,
        forum_id INTEGER,
        role VARCHAR NOT NULL,
        group_id INTEGER,
        label VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        expires_at TIMESTAMP NOT NULL,
        revoked_at TIMESTAMP
    )""",
    ]
)

MIGRATIONS.append(
    [
        # 6: after the forum. The committee's recommendations are made from the groups' published
        # priorities; their wording is kept apart from the groups' own words (wording '' = the
        # group's words), a merged recommendation points at the one it joined, and the mayor's
        # answers are appended (the latest counts).
        "ALTER TABLE forum ADD COLUMN organizers VARCHAR NOT NULL DEFAULT ''",
        "CREATE SEQUENCE recommendation_id_seq START 1",
        """CREATE TABLE recommendation (
        id INTEGER PRIMARY KEY DEFAULT nextval('recommendation_id_seq'),
        forum_id INTEGER NOT NULL,
        position DOUBLE NOT NULL,
        wording VARCHAR NOT NULL DEFAULT '',
        merged_into INTEGER,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL
    )""",
        """CREATE TABLE recommendation_source (
        recommendation_id INTEGER NOT NULL,
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        problem_id INTEGER NOT NULL
    )""",
        "CREATE SEQUENCE answer_id_seq START 1",
        """CREATE TABLE recommendation_answer (
        id BIGINT PRIMARY KEY DEFAULT nextval('answer_id_seq'),
        forum_id INTEGER NOT NULL,
        recommendation_id INTEGER NOT NULL,
        status VARCHAR NOT NULL,         -- included | partly | not_included | outside_competence
        program_code VARCHAR NOT NULL DEFAULT '',
        amount DECIMAL(14, 2),
        reason VARCHAR NOT NULL DEFAULT '',
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
    ]
)

MIGRATIONS.append(
    [
        # 7: the mark of an older version's check-in journal: the last record DuckDB holds
        # (read once at start-up by forum_core/legacy_journal.py)
        "CREATE TABLE journal_applied (applied_through BIGINT NOT NULL)",
        "INSERT INTO journal_applied VALUES (0)",
    ]
)

MIGRATIONS.append(
    [
        # 8: derived state, defined once. Every reader of "who is present", "which priorities
        # are published" and "which problems are in force" reads these views.
        # A person is present when their latest check-in event is a check-in (not an undo).
        """CREATE VIEW present_participant AS
        SELECT forum_id, participant_id, max(id) AS event_id, arg_max(happened_at, id) AS happened_at,
               arg_max(desk, id) AS desk, arg_max(method, id) AS method
        FROM checkin_event GROUP BY forum_id, participant_id HAVING arg_max(kind, id) = 'check_in'""",
        # A group's published priorities: the top list of its latest finalise, unless reopened since.
        """CREATE VIEW published_priority AS
        WITH last AS (
            SELECT group_id, max(id) AS event_id FROM group_event
            WHERE kind IN ('finalise', 'reopen') GROUP BY group_id),
        top AS (
            SELECT e.forum_id, e.group_id, e.id AS event_id, e.happened_at AS finalised_at,
                   unnest(from_json(e.payload::JSON -> 'top',
                       '[{"problem_id": "INTEGER", "title": "VARCHAR", "pebbles": "INTEGER", "rank": "INTEGER",
                          "basis": "VARCHAR"}]'), recursive := true)
            FROM group_event e JOIN last ON last.event_id = e.id WHERE e.kind = 'finalise')
        SELECT forum_id, group_id, event_id, finalised_at, rank, problem_id, title, pebbles, basis FROM top""",
        # A problem in force: not deleted and not merged into another.
        """CREATE VIEW problem_in_force AS
        SELECT * FROM problem WHERE deleted_at IS NULL AND merged_into IS NULL""",
    ]
)

MIGRATIONS.append(
    [
        # 9: a scan's id, made in the browser (like pretix's nonce): delivered again after a
        # Wi-Fi drop, a reload or a retry, it gets the same answer and records nothing new.
        """CREATE TABLE scan_receipt (
        scan_id VARCHAR PRIMARY KEY,
        forum_id INTEGER NOT NULL,
        desk VARCHAR NOT NULL,
        code VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        participant_id INTEGER,
        happened_at TIMESTAMP,
        checked_in_desk VARCHAR,
        received_at TIMESTAMP NOT NULL
    )""",
    ]
)

MIGRATIONS.append(
    [
        # 10: representation and a pebble count that can be checked.
        # The municipality's population by gender and age band (optional, typed or imported by the
        # organizer): the third column beside the invitation list and who came.
        """CREATE TABLE population_figure (
        forum_id INTEGER NOT NULL,
        dimension VARCHAR NOT NULL,      -- gender | age
        category VARCHAR NOT NULL,       -- f | m | x; under_25 | 25_34 | ... (report.AGE_BANDS)
        people INTEGER NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (forum_id, dimension, category)
    )""",
        # A photo of the board with the pebbles, kept with the counts in force when it was taken
        # (re-encoded JPEG, no metadata); appended, the latest of a group is shown.
        "CREATE SEQUENCE pebble_photo_id_seq START 1",
        """CREATE TABLE pebble_photo (
        id INTEGER PRIMARY KEY DEFAULT nextval('pebble_photo_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        image BLOB NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        sha256 VARCHAR NOT NULL,
        counts VARCHAR NOT NULL,         -- JSON: [[problem id, round, pebbles], ...] in force at the time
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
        # A blind recount: a second person's counts, typed without seeing the first (events, the
        # latest per problem and round in force), compared with pebble_count before finalising.
        "CREATE SEQUENCE pebble_recount_id_seq START 1",
        """CREATE TABLE pebble_recount (
        id BIGINT PRIMARY KEY DEFAULT nextval('pebble_recount_id_seq'),
        forum_id INTEGER NOT NULL,
        group_id INTEGER NOT NULL,
        problem_id INTEGER NOT NULL,
        round INTEGER NOT NULL,
        pebbles INTEGER NOT NULL,
        happened_at TIMESTAMP NOT NULL,
        role VARCHAR NOT NULL,
        device VARCHAR
    )""",
    ]
)


def _refold_search_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Names get the search key of today's folding (migration 11: every common Latin spelling of
    a letter, issue 17), so that people stored before are found like people added after."""
    from forum_core import georgian

    rows = con.execute("SELECT id, first_name, last_name FROM participant").fetchall()
    for pid, first, last in rows:
        con.execute("UPDATE participant SET search_key = ? WHERE id = ?", [georgian.search_key(first, last), pid])


MIGRATIONS.append([_refold_search_keys])  # 11: search keys folded anew

# 12: the organizer's code without the Georgian label the first start gave it, which became the name of
# every organizer device signed in without one, on the English pages too (the role names it now)
MIGRATIONS.append(["UPDATE access_code SET label = '' WHERE role = 'organizer' AND label = 'ორგანიზატორი'"])

LATEST = len(MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(con: duckdb.DuckDBPyConnection, up_to: int = LATEST) -> int:
    """Apply every migration newer than the database (up to ``up_to``: a restore builds the
    schema of its backup's version first); return the resulting version."""
    version = current_version(con)
    for number in range(version + 1, up_to + 1):
        con.execute("BEGIN TRANSACTION")
        try:
            for statement in MIGRATIONS[number - 1]:
                if callable(statement):
                    statement(con)
                else:
                    con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [number, datetime.now()])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        version = number
    return version
