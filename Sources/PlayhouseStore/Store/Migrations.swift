import Foundation
import PlayhouseCore

/// One step of the schema: SQL both backends accept, or one statement for each.
struct MigrationStep: ExpressibleByStringInterpolation, Sendable {
    let sqlite: String
    let postgres: String

    init(stringLiteral value: String) {
        sqlite = value
        postgres = value
    }

    init(sqlite: String, postgres: String) {
        self.sqlite = sqlite
        self.postgres = postgres
    }
}

/// The schema, one numbered step at a time. Most steps are plain SQL both backends accept,
/// with `{id}` (an auto-increment primary key), `{real}` (a double) and `{blob}` (bytes)
/// filled in per dialect;
/// full-text search and JSON differ, and have a statement for each.
enum Migrations {
    static let steps: [MigrationStep] = [
        """
        CREATE TABLE jobs (
            id {id},
            status TEXT NOT NULL,
            project TEXT NOT NULL,
            playbook TEXT NOT NULL,
            inventory TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at {real} NOT NULL,
            started_at {real},
            finished_at {real},
            exit_code INTEGER,
            error TEXT,
            summary TEXT NOT NULL,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            worker TEXT,
            last_seq INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX jobs_status_id ON jobs (status, id)",
        """
        CREATE TABLE job_events (
            job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            type TEXT NOT NULL,
            time {real} NOT NULL,
            play TEXT,
            task TEXT,
            host TEXT,
            changed INTEGER,
            failed INTEGER,
            message TEXT,
            data TEXT,
            PRIMARY KEY (job_id, seq)
        )
        """,
        """
        CREATE TABLE job_output (
            job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            chunk INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (job_id, chunk)
        )
        """,
        """
        CREATE TABLE inventories (
            id {id},
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            content TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "ALTER TABLE jobs ADD COLUMN heartbeat_at {real}",
        """
        CREATE TABLE workers (
            name TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            capacity INTEGER NOT NULL,
            state TEXT NOT NULL,
            started_at {real} NOT NULL,
            last_heartbeat {real} NOT NULL
        )
        """,
        "ALTER TABLE jobs ADD COLUMN parent_id BIGINT",
        "ALTER TABLE jobs ADD COLUMN slice_count INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX jobs_parent ON jobs (parent_id)",
        """
        CREATE TABLE credentials (
            id {id},
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            fields TEXT NOT NULL,
            sealed TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE users (
            id {id},
            name TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            created_at {real} NOT NULL,
            expires_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE api_tokens (
            id {id},
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at {real} NOT NULL,
            expires_at {real},
            last_used_at {real}
        )
        """,
        "CREATE TABLE teams (id {id}, name TEXT NOT NULL UNIQUE, created_at {real} NOT NULL)",
        """
        CREATE TABLE team_members (
            team_id BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            PRIMARY KEY (team_id, user_id)
        )
        """,
        """
        CREATE TABLE grants (
            id {id},
            subject_kind TEXT NOT NULL,
            subject_id BIGINT NOT NULL,
            resource_kind TEXT NOT NULL,
            resource TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE audit_log (
            id {id},
            time {real} NOT NULL,
            actor TEXT,
            action TEXT NOT NULL,
            target TEXT,
            source TEXT,
            detail TEXT
        )
        """,
        "ALTER TABLE inventories ADD COLUMN credential_id BIGINT",
        "ALTER TABLE inventories ADD COLUMN timeout {real}",
        """
        CREATE TABLE templates (
            id {id},
            name TEXT NOT NULL UNIQUE,
            definition TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        "ALTER TABLE jobs ADD COLUMN exclusive_key TEXT",
        // At most one running job per exclusive key, however many workers claim at once.
        "CREATE UNIQUE INDEX jobs_one_running_per_key ON jobs (exclusive_key) WHERE status = \(JobStatus.running.sqlLiteral)",
        """
        CREATE TABLE git_projects (
            name TEXT PRIMARY KEY,
            url TEXT NOT NULL,
            branch TEXT NOT NULL,
            credential_id BIGINT,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        "ALTER TABLE jobs ADD COLUMN commit_sha TEXT",
        """
        CREATE TABLE schedules (
            id {id},
            template_id BIGINT NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
            cron TEXT NOT NULL,
            timezone TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            next_run_at {real},
            last_run_at {real},
            last_job_id BIGINT,
            missed INTEGER NOT NULL DEFAULT 0,
            last_missed_at {real},
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE notification_targets (
            id {id},
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL,
            events TEXT NOT NULL,
            format TEXT NOT NULL,
            template_id BIGINT,
            created_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE deliveries (
            id {id},
            target_id BIGINT NOT NULL REFERENCES notification_targets (id) ON DELETE CASCADE,
            job_id BIGINT NOT NULL,
            event TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {real} NOT NULL,
            last_error TEXT,
            response_status INTEGER,
            created_at {real} NOT NULL,
            delivered_at {real},
            UNIQUE (target_id, job_id, event)
        )
        """,
        "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)",
        """
        CREATE TABLE template_hooks (
            template_id BIGINT PRIMARY KEY REFERENCES templates (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        // The log by line: each chunk holds whole lines, numbered from `first_line` (0-based).
        "ALTER TABLE job_output ADD COLUMN first_line BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE job_output ADD COLUMN lines INTEGER NOT NULL DEFAULT 0",
        "UPDATE job_output SET lines = length(text) - length(replace(text, '\n', ''))",
        """
        UPDATE job_output SET first_line = (
            SELECT COALESCE(SUM(earlier.lines), 0) FROM job_output earlier
            WHERE earlier.job_id = job_output.job_id AND earlier.chunk < job_output.chunk)
        """,
        "CREATE INDEX job_output_lines ON job_output (job_id, first_line)",
        "ALTER TABLE jobs ADD COLUMN output_lines BIGINT NOT NULL DEFAULT 0",
        "UPDATE jobs SET output_lines = (SELECT COALESCE(SUM(lines), 0) FROM job_output WHERE job_output.job_id = jobs.id)",
        """
        CREATE TABLE job_tasks (
            job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            play TEXT NOT NULL,
            name TEXT NOT NULL,
            handler INTEGER NOT NULL,
            line BIGINT NOT NULL,
            ok INTEGER NOT NULL,
            changed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            ignored INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            unreachable INTEGER NOT NULL,
            items INTEGER NOT NULL,
            failed_items INTEGER NOT NULL,
            PRIMARY KEY (job_id, seq)
        )
        """,
        """
        CREATE TABLE host_results (
            job_id BIGINT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
            host TEXT NOT NULL,
            project TEXT NOT NULL,
            status TEXT NOT NULL,
            ok INTEGER NOT NULL,
            changed INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            unreachable INTEGER NOT NULL,
            skipped INTEGER NOT NULL,
            rescued INTEGER NOT NULL,
            ignored INTEGER NOT NULL,
            failed_task TEXT,
            failure TEXT,
            finished_at {real} NOT NULL,
            PRIMARY KEY (job_id, host)
        )
        """,
        "CREATE INDEX host_results_host ON host_results (host, job_id)",
        """
        CREATE TABLE host_facts (
            project TEXT NOT NULL,
            inventory TEXT NOT NULL,
            host TEXT NOT NULL,
            facts TEXT NOT NULL,
            job_id BIGINT NOT NULL,
            updated_at {real} NOT NULL,
            PRIMARY KEY (project, inventory, host)
        )
        """,
        "CREATE INDEX host_facts_host ON host_facts (host)",
        // What the job list filters on, as columns with indexes.
        "ALTER TABLE jobs ADD COLUMN template_id BIGINT",
        "ALTER TABLE jobs ADD COLUMN launched_by TEXT",
        MigrationStep(
            sqlite: """
                UPDATE jobs SET template_id = json_extract(parameters, '$.template_id'),
                    launched_by = json_extract(parameters, '$.launched_by')
                """,
            postgres: """
                UPDATE jobs SET template_id = (parameters::jsonb ->> 'template_id')::BIGINT,
                    launched_by = parameters::jsonb ->> 'launched_by'
                """),
        "CREATE INDEX jobs_project_id ON jobs (project, id)",
        "CREATE INDEX jobs_playbook_id ON jobs (playbook, id)",
        "CREATE INDEX jobs_template_id ON jobs (template_id, id)",
        "CREATE INDEX jobs_launched_by_id ON jobs (launched_by, id)",
        "CREATE INDEX jobs_created_at ON jobs (created_at)",
        // A job's words for the search across jobs: task names, hosts, failure messages.
        MigrationStep(
            // Prefix indexes: a short word of the query (`16`) reads one list, not every word it starts.
            sqlite: "CREATE VIRTUAL TABLE job_text USING fts5(body, prefix = '1 2 3')",
            postgres: """
                CREATE TABLE job_text (
                    job_id BIGINT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
                    body TEXT NOT NULL,
                    words tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
                )
                """),
        MigrationStep(sqlite: "SELECT 1", postgres: "CREATE INDEX job_text_words ON job_text USING GIN (words)"),
        // Each host's latest job per project: the Hosts page reads a row per host, not its history.
        """
        CREATE TABLE host_latest (
            host TEXT NOT NULL,
            project TEXT NOT NULL,
            job_id BIGINT NOT NULL,
            PRIMARY KEY (host, project)
        )
        """,
        "INSERT INTO host_latest (host, project, job_id) SELECT host, project, MAX(job_id) FROM host_results GROUP BY host, project",
        // Compacted jobs: their log in deflated chunks, their events past a cap dropped.
        "ALTER TABLE job_output ADD COLUMN packed {blob}",
        "ALTER TABLE jobs ADD COLUMN compacted_at {real}",
        // Workflows: stored graphs, their runs, and each run's nodes.
        """
        CREATE TABLE workflows (
            id {id},
            name TEXT NOT NULL UNIQUE,
            definition TEXT NOT NULL,
            created_at {real} NOT NULL,
            updated_at {real} NOT NULL
        )
        """,
        """
        CREATE TABLE workflow_jobs (
            id {id},
            workflow_id BIGINT,
            name TEXT NOT NULL,
            source TEXT,
            definition TEXT NOT NULL,
            status TEXT NOT NULL,
            launched_by TEXT NOT NULL,
            launch TEXT NOT NULL,
            created_at {real} NOT NULL,
            finished_at {real},
            error TEXT,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            resume_of BIGINT,
            parent_node_id BIGINT UNIQUE,
            depth INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX workflow_jobs_status_id ON workflow_jobs (status, id)",
        """
        CREATE TABLE workflow_nodes (
            id {id},
            workflow_job_id BIGINT NOT NULL REFERENCES workflow_jobs (id) ON DELETE CASCADE,
            node TEXT NOT NULL,
            state TEXT NOT NULL,
            job_id BIGINT,
            child_id BIGINT,
            artifacts TEXT,
            message TEXT,
            started_at {real},
            finished_at {real},
            expires_at {real},
            decided_by TEXT,
            decision TEXT,
            rerun_limit TEXT,
            kept INTEGER NOT NULL DEFAULT 0,
            UNIQUE (workflow_job_id, node)
        )
        """,
        "CREATE INDEX workflow_nodes_state ON workflow_nodes (state)",
        // A node launches one job at most: the index makes a second launch of it fail.
        "ALTER TABLE jobs ADD COLUMN workflow_node_id BIGINT",
        "CREATE UNIQUE INDEX jobs_workflow_node ON jobs (workflow_node_id)",
        // A delivery is about a job or a pending approval (the other id 0): the table is
        // made again, since SQLite cannot change a table's unique constraint in place.
        """
        CREATE TABLE deliveries_next (
            id {id},
            target_id BIGINT NOT NULL REFERENCES notification_targets (id) ON DELETE CASCADE,
            job_id BIGINT NOT NULL DEFAULT 0,
            approval_id BIGINT NOT NULL DEFAULT 0,
            event TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at {real} NOT NULL,
            last_error TEXT,
            response_status INTEGER,
            created_at {real} NOT NULL,
            delivered_at {real},
            UNIQUE (target_id, job_id, approval_id, event)
        )
        """,
        """
        INSERT INTO deliveries_next (id, target_id, job_id, event, status, attempts, next_attempt_at, last_error, response_status,
                                     created_at, delivered_at)
        SELECT id, target_id, job_id, event, status, attempts, next_attempt_at, last_error, response_status, created_at, delivered_at
        FROM deliveries
        """,
        "DROP TABLE deliveries",
        "ALTER TABLE deliveries_next RENAME TO deliveries",
        "CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at)",
        MigrationStep(
            sqlite: "SELECT 1",
            postgres: """
                SELECT setval(pg_get_serial_sequence('deliveries', 'id'), COALESCE((SELECT MAX(id) FROM deliveries), 0) + 1, false)
                """),
        // Schedules and hooks of workflows. A schedule launches a template or a workflow: the
        // table is made again, since SQLite cannot drop a column's NOT NULL in place.
        """
        CREATE TABLE schedules_next (
            id {id},
            template_id BIGINT REFERENCES templates (id) ON DELETE CASCADE,
            workflow_id BIGINT REFERENCES workflows (id) ON DELETE CASCADE,
            cron TEXT NOT NULL,
            timezone TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            next_run_at {real},
            last_run_at {real},
            last_job_id BIGINT,
            last_workflow_job_id BIGINT,
            missed INTEGER NOT NULL DEFAULT 0,
            last_missed_at {real},
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        """
        INSERT INTO schedules_next (id, template_id, cron, timezone, enabled, next_run_at, last_run_at, last_job_id, missed,
                                    last_missed_at, created_by, created_at)
        SELECT id, template_id, cron, timezone, enabled, next_run_at, last_run_at, last_job_id, missed, last_missed_at, created_by,
               created_at
        FROM schedules
        """,
        "DROP TABLE schedules",
        "ALTER TABLE schedules_next RENAME TO schedules",
        MigrationStep(
            sqlite: "SELECT 1",
            postgres: """
                SELECT setval(pg_get_serial_sequence('schedules', 'id'), COALESCE((SELECT MAX(id) FROM schedules), 0) + 1, false)
                """),
        // A nested run names the run it is nested in, for the way back.
        "ALTER TABLE workflow_jobs ADD COLUMN parent_id BIGINT",
        """
        CREATE TABLE workflow_hooks (
            workflow_id BIGINT PRIMARY KEY REFERENCES workflows (id) ON DELETE CASCADE,
            token_hash TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        // A template's forge hook (GitHub, GitLab, …): the secret sealed, since checking an
        // HMAC signature needs it; the patterns are JSON ({"branches": [...], "tags": [...]}).
        """
        CREATE TABLE template_forge_hooks (
            template_id BIGINT PRIMARY KEY REFERENCES templates (id) ON DELETE CASCADE,
            secret_sealed TEXT NOT NULL,
            patterns TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        // Ansible environments an admin defined; python_packages is a JSON list.
        """
        CREATE TABLE environments (
            id {id},
            name TEXT NOT NULL UNIQUE,
            ansible_core TEXT NOT NULL,
            python_packages TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        // The environment an admin chose for a project (by name: a folder or a git project)
        // or for a template; a template's choice wins over its project's.
        """
        CREATE TABLE environment_choices (
            id {id},
            project TEXT UNIQUE,
            template_id BIGINT UNIQUE REFERENCES templates (id) ON DELETE CASCADE,
            environment_id BIGINT NOT NULL REFERENCES environments (id)
        )
        """,
        // Each worker's build of an environment's virtualenv.
        """
        CREATE TABLE environment_builds (
            id {id},
            env_key TEXT NOT NULL,
            worker TEXT NOT NULL,
            label TEXT NOT NULL,
            status TEXT NOT NULL,
            log TEXT NOT NULL DEFAULT '',
            error TEXT,
            started_at {real} NOT NULL,
            finished_at {real},
            UNIQUE (env_key, worker)
        )
        """,
        // The environment a job ran with, as a person reads it; for a queued job waiting for
        // an environment's build, its key and why it waits.
        "ALTER TABLE jobs ADD COLUMN environment TEXT",
        "ALTER TABLE jobs ADD COLUMN waiting_for TEXT",
        "ALTER TABLE jobs ADD COLUMN waiting_reason TEXT",
        // A queued job's priority (from its parameters, kept beside them for the claim's
        // order), and the running jobs of each project, which the claim counts for fair share.
        "ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX jobs_queue_order ON jobs (status, priority, id)",
        "CREATE INDEX jobs_project_status ON jobs (project, status)",
        // A git project's SSH host keys (known_hosts text, empty until learned or given),
        // and whether an admin gave or confirmed them.
        "ALTER TABLE git_projects ADD COLUMN known_hosts TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE git_projects ADD COLUMN known_hosts_confirmed INTEGER NOT NULL DEFAULT 0",
        // What each worker's mirror of a git project holds after its last fetch, with the
        // requirements cache entries the project's last run there used (JSON). A refresh is
        // asked of every worker by its time on the project; each worker keeps the last one
        // it carried out, so one that missed the wake-up still sees it is due.
        "ALTER TABLE git_projects ADD COLUMN refresh_requested_at {real}",
        """
        CREATE TABLE git_mirrors (
            project TEXT NOT NULL REFERENCES git_projects (name) ON DELETE CASCADE,
            worker TEXT NOT NULL,
            branch TEXT NOT NULL,
            fetched_at {real},
            commit_sha TEXT,
            error TEXT,
            requirements TEXT NOT NULL DEFAULT '[]',
            refreshed_for {real},
            recorded_at {real} NOT NULL,
            PRIMARY KEY (project, worker)
        )
        """,
        // A git project's forge hook: a push refreshes its mirrors (the secret sealed, as a
        // template's forge hook's is).
        """
        CREATE TABLE project_forge_hooks (
            project TEXT PRIMARY KEY REFERENCES git_projects (name) ON DELETE CASCADE,
            secret_sealed TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at {real} NOT NULL
        )
        """,
        // Two-factor sign-in: a user's TOTP secret, sealed (checking a code needs it), on once
        // its first code confirmed it; the last time step a code was used for, so that each
        // code signs in once.
        """
        CREATE TABLE user_totp (
            user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
            secret_sealed TEXT NOT NULL,
            confirmed_at {real},
            last_step BIGINT,
            created_at {real} NOT NULL
        )
        """,
        // Its one-time recovery codes, as SHA-256 digests (RecoveryCodes says why that is enough).
        """
        CREATE TABLE recovery_codes (
            id {id},
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            code_hash TEXT NOT NULL,
            used_at {real}
        )
        """,
        "CREATE INDEX recovery_codes_user ON recovery_codes (user_id)",
        // Sign-ins whose password was right and whose code is still to come: no session yet.
        """
        CREATE TABLE pending_sign_ins (
            token_hash TEXT PRIMARY KEY,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at {real} NOT NULL,
            expires_at {real} NOT NULL
        )
        """,
        // Single sign-on: the provider account (its issuer's subject) a user is, so that a later
        // sign-in finds them whatever name the provider gives them by then.
        """
        CREATE TABLE sso_identities (
            issuer TEXT NOT NULL,
            subject TEXT NOT NULL,
            provider TEXT NOT NULL,
            user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at {real} NOT NULL,
            last_sign_in_at {real} NOT NULL,
            PRIMARY KEY (issuer, subject)
        )
        """,
        // Sign-ins sent to a provider and not back yet: the state's digest, the nonce the ID
        // token must carry, and the PKCE verifier, sealed.
        """
        CREATE TABLE sso_sign_ins (
            state_hash TEXT PRIMARY KEY,
            provider TEXT NOT NULL,
            nonce TEXT NOT NULL,
            verifier_sealed TEXT NOT NULL,
            next TEXT NOT NULL,
            created_at {real} NOT NULL,
            expires_at {real} NOT NULL
        )
        """,
        // A session begun at a provider: which one, and its ID token (sealed), which signing
        // out hands back to the provider to end its session too.
        "ALTER TABLE sessions ADD COLUMN sso_provider TEXT",
        "ALTER TABLE sessions ADD COLUMN id_token_sealed TEXT",
        // Worker groups and capacity in forks: the groups a job may run on (`,a,b,`, empty for
        // any: WorkerGroups.stored) and the forks it weighs; those a worker takes jobs of and
        // the forks it runs at once; the groups an inventory's or a project's jobs run on.
        "ALTER TABLE jobs ADD COLUMN worker_groups TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE jobs ADD COLUMN weight INTEGER NOT NULL DEFAULT 5",
        "ALTER TABLE workers ADD COLUMN worker_groups TEXT NOT NULL DEFAULT ',default,'",
        "ALTER TABLE workers ADD COLUMN capacity_forks INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE inventories ADD COLUMN worker_groups TEXT NOT NULL DEFAULT ''",
        "CREATE TABLE project_worker_groups (project TEXT PRIMARY KEY, worker_groups TEXT NOT NULL)",
    ]

    static func render(_ step: MigrationStep, for dialect: Store.Dialect) -> String {
        let id: String
        let real: String
        let blob: String
        let sql: String
        switch dialect {
        case .sqlite:
            id = "INTEGER PRIMARY KEY AUTOINCREMENT"
            real = "REAL"
            blob = "BLOB"
            sql = step.sqlite
        case .postgres:
            id = "BIGSERIAL PRIMARY KEY"
            real = "DOUBLE PRECISION"
            blob = "BYTEA"
            sql = step.postgres
        }
        return sql.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{real}", with: real)
            .replacingOccurrences(of: "{blob}", with: blob)
    }
}
