import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The job page in headless Chromium: a finished job of `lines` log lines and `events`
/// events (a real job's row, its log and events written with `sqlite3`: the bulk load is
/// not what is measured), opened cold, then scrolled to random places; and a real job
/// printing as fast as Ansible can, followed live.
struct JobPage {
    let bench: BenchContext
    let lines: Int
    let events: Int
    let liveItems: Int

    static let user = "page-bench"
    static let password = "page-bench-password"
    /// Budgets of the issue that asked for this page.
    static let interactiveBudget = 1.0
    static let memoryBudget = 150 * 1_048_576
    static let paintBudget = 0.1
    static let lagBudget = 1.0

    func measure(into report: inout Report) async throws {
        let database = bench.scratch + "/page.sqlite"
        var template: Int64 = 0
        try await BenchServer.with(bench, name: "page-template", database: database, workers: 1) { server in
            template = try await server.launch("growth.yml", inventory: "local-hosts-3")
            _ = try await server.waitFinished(template)
        }
        let (status, output) = try PlayhouseProcess.command(
            ["users", "create", Self.user, "--role", "admin", "--database", database, "--log-level", "error"], input: Self.password + "\n")
        guard status == 0 else { throw BenchError("creating the page benchmark's user failed: \(output)") }
        let big = try await seed(database, template: template)
        bench.log("page: job \(big) holds \(lines) lines and \(events) events")

        var section = Report.Section(
            .page,
            method: "Headless Chromium (1280×1000) on `serve` (release build). A finished job of \(lines) log lines and "
                + "\(events) events (a real job's row with a generated log and events, written with `sqlite3`), opened cold: "
                + "time from navigation to every log row on screen drawn (the page's `playhouse:log-shown` mark); the tab's "
                + "memory (the renderer's resident memory and its JavaScript heap); 30 jumps to random lines (go to line) and "
                + "30 scrolls to random places, each timed to the frame after every row on screen has its text. Then a real "
                + "job printing \(liveItems) loop items as fast as Ansible can, followed live: how long after the server "
                + "stored a line the page showed it (sampled every 250 ms), and the tab's memory as it ran.",
            header: ["figure", "value", "budget", "verdict"])
        try await BenchServer.with(bench, name: "page", database: database, workers: 1) { server in
            try await withChromeSession(windowWidth: 1280, windowHeight: 1000) { browser in
                do {
                    try await signIn(browser, port: server.port)
                    try await finished(big, browser: browser, port: server.port, into: &section)
                    try await live(server: server, browser: browser, into: &section)
                } catch {
                    // What the page showed goes where it outlives the scratch folder.
                    let shot = NSTemporaryDirectory() + "playhouse-page-bench.png"
                    try? await browser.screenshot().write(to: URL(fileURLWithPath: shot))
                    let console = ((try? await browser.browserLog()) ?? []).map { "\($0.level) \($0.message)" }
                    bench.log("page: failed at \((try? await browser.currentURL()) ?? "?"); screenshot \(shot); console \(console)")
                    throw error
                }
            }
            report.memory.append(
                .init(state: "serve after the job page benchmark", rss: Figure.mib(server.residentBytes), benchmark: .page))
        }
        report.sections.append(section)
    }

    private func finished(_ id: Int64, browser: WebDriverSession, port: Int, into section: inout Report.Section) async throws {
        try await browser.open("http://127.0.0.1:\(port)/jobs/\(id)")
        var shown = JSONValue.null
        try await browser.waitUntil("the big log to be shown", timeout: .seconds(60), poll: .milliseconds(20)) {
            shown = try await browser.executeScript(
                "const m = performance.getEntriesByName('playhouse:log-shown')[0]; return m ? m.startTime : null;")
            return shown != .null
        }
        let interactive = (shown.number ?? 0) / 1000
        // A script round trip measures whether the page is free to answer, not just drawn.
        let responsive = try await timedScript("return 1;", browser)
        let loaded = try await tabMemory(browser)
        section.rows.append([
            "finished job: log shown after opening", Figure.ms(interactive), "< 1 s",
            Figure.verdict(interactive < Self.interactiveBudget),
        ])
        section.rows.append(["finished job: a script call right after", Figure.ms(responsive), "", ""])
        section.rows.append([
            "finished job: tab memory once shown", loaded.text, "< 150 MiB", Figure.verdict(loaded.rss < Self.memoryBudget),
        ])

        var jumps: [Double] = []
        var scrolls: [Double] = []
        var random = SystemRandomNumberGenerator()
        for _ in 0..<30 {
            let line = Int.random(in: 1...lines, using: &random)
            jumps.append(try await paintTime(jump: line, browser))
            scrolls.append(try await paintTime(scrollTo: Double.random(in: 0...1, using: &random), browser))
        }
        let after = try await tabMemory(browser)
        for (name, samples) in [("jump to a random line", jumps), ("scroll to a random place", scrolls)] {
            let p50 = Stats.percentile(samples, 50)
            let worst = samples.max() ?? 0
            section.rows.append([
                "finished job: \(name), p50 / max", "\(Figure.ms(p50)) / \(Figure.ms(worst))", "< 100 ms",
                Figure.verdict(worst < Self.paintBudget),
            ])
        }
        section.rows.append([
            "finished job: tab memory after 60 moves", after.text, "< 150 MiB", Figure.verdict(after.rss < Self.memoryBudget),
        ])
        let nodes = try await browser.executeScript("return document.getElementsByTagName('*').length;")
        section.rows.append(["finished job: elements in the page", Figure.count(nodes.number ?? 0), "", ""])
    }

    private func live(server: BenchServer, browser: WebDriverSession, into section: inout Report.Section) async throws {
        let id = try await server.launch("page-live.yml", inventory: "one-host")
        try await browser.open("http://127.0.0.1:\(server.port)/jobs/\(id)")
        var serverSamples: [(time: Double, lines: Int)] = []
        var pageSamples: [(time: Double, lines: Int)] = []
        var memory: [Int] = []
        var ended = false
        var tick = 0
        while !ended {
            let job = try await server.job(id)
            serverSamples.append((Stats.now(), job["output_lines"]?.intValue ?? 0))
            ended = !["queued", "running"].contains(job["status"]?.stringValue ?? "")
            let shown = try await browser.executeScript(
                "const box = document.querySelector('#log'); return box ? Number(box.dataset.total || 0) : 0;")
            pageSamples.append((Stats.now(), shown.intValue ?? 0))
            if tick % 8 == 0 { memory.append(try await tabMemory(browser).rss) }
            tick += 1
            try await Task.sleep(for: .milliseconds(250))
        }
        // Catch up with the end, then say how long each line the server had took to show.
        try await browser.waitUntil("the page to show the whole log", timeout: .seconds(30), poll: .milliseconds(50)) {
            let shown = try await browser.executeScript("return Number(document.querySelector('#log').dataset.total || 0);")
            pageSamples.append((Stats.now(), shown.intValue ?? 0))
            return shown.intValue == serverSamples.last?.lines
        }
        let lags = serverSamples.filter { $0.lines > 0 }.map { sample in
            (pageSamples.first { $0.time >= sample.time && $0.lines >= sample.lines }?.time ?? .infinity) - sample.time
        }
        let worst = lags.max() ?? 0
        section.rows.append([
            "live job: lag behind the server, p50 / max",
            "\(Figure.ms(Stats.percentile(lags, 50))) / \(Figure.ms(worst))", "< 1 s", Figure.verdict(worst < Self.lagBudget),
        ])
        let first = memory.first ?? 0
        let peak = memory.max() ?? 0
        section.rows.append([
            "live job: tab memory at the start / at its peak (\(serverSamples.last?.lines ?? 0) lines)",
            "\(Figure.mib(first)) / \(Figure.mib(peak))", "flat", Figure.verdict(peak - first < 50 * 1_048_576),
        ])
    }

    private func signIn(_ browser: WebDriverSession, port: Int) async throws {
        try await browser.open("http://127.0.0.1:\(port)/login")
        try await browser.fill("#login-name", with: Self.user)
        try await browser.fill("#login-password", with: Self.password)
        try await browser.click("#login-submit")
        try await browser.waitFor("#session-user", timeout: .seconds(30))
    }

    /// Seconds from `script` sent to its answer back.
    private func timedScript(_ script: String, _ browser: WebDriverSession) async throws -> Double {
        let start = Stats.now()
        _ = try await browser.executeScript(script)
        return Stats.now() - start
    }

    /// Seconds from asking the page for line `line` to the frame after it is on screen with its text.
    private func paintTime(jump line: Int, _ browser: WebDriverSession) async throws -> Double {
        try await measured(
            """
            const input = document.querySelector('#log-goto');
            input.value = String(\(line));
            input.form.requestSubmit();
            """, browser)
    }

    /// Seconds from setting the log's scroll position (a fraction of its height) to the
    /// frame after every row on screen has its text.
    private func paintTime(scrollTo fraction: Double, _ browser: WebDriverSession) async throws -> Double {
        try await measured(
            """
            const log = document.querySelector('#log');
            log.scrollTop = \(fraction) * (log.scrollHeight - log.clientHeight);
            """, browser)
    }

    private func measured(_ move: String, _ browser: WebDriverSession) async throws -> Double {
        let milliseconds = try await browser.executeScript(
            """
            return new Promise((resolve) => {
              const start = performance.now();
              \(move)
              const box = document.querySelector('#log');
              const settled = () => {
                const view = box.getBoundingClientRect();
                const rows = [...box.querySelectorAll('.log-line')].filter((row) => {
                  const rect = row.getBoundingClientRect();
                  return rect.bottom > view.top && rect.top < view.bottom;
                });
                return rows.length > 0 && rows.every((row) => !row.querySelector('.log-pending'));
              };
              const check = () => settled() ? requestAnimationFrame(() => resolve(performance.now() - start))
                : requestAnimationFrame(check);
              requestAnimationFrame(check);
            });
            """)
        return (milliseconds.number ?? .infinity) / 1000
    }

    /// The page's renderer (the one with the most memory of its own) and the page's
    /// JavaScript heap. A renderer's resident memory is mostly shared with the browser and
    /// the other renderers (code, fonts): its own memory, as Chromium's task manager counts
    /// a tab's footprint, is its private pages (`Private_Clean` + `Private_Dirty`).
    private func tabMemory(_ browser: WebDriverSession) async throws -> (rss: Int, text: String) {
        let heap = try await browser.executeScript("return performance.memory ? performance.memory.usedJSHeapSize : 0;")
        let result = try await Subprocess.run(
            .name("ps"), arguments: ["-eo", "pid=,args="], output: .string(limit: 1 << 22), error: .discarded)
        let renderers = result.standardOutput.split(separator: "\n")
            .filter { $0.contains("chromium") && $0.contains("--type=renderer") }
            .compactMap { Int32($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
        let measured = renderers.map { (private: Self.privateBytes(of: $0), rss: BenchServer.residentBytes(of: $0)) }
        let page = measured.max { $0.private < $1.private } ?? (0, 0)
        return (
            page.private, "\(Figure.mib(page.private)) own, \(Figure.mib(page.rss)) resident (JS heap \(Figure.mib(heap.intValue ?? 0)))"
        )
    }

    private static func privateBytes(of pid: Int32) -> Int {
        let rollup = (try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)) ?? ""
        return rollup.split(separator: "\n").filter { $0.hasPrefix("Private_Clean:") || $0.hasPrefix("Private_Dirty:") }
            .compactMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            .reduce(0, +) * 1024
    }

    /// Copies the template job into one finished job with a generated log of `lines` lines
    /// (coloured, a task header every 10 000 lines, one failure three quarters in) and
    /// `events` events in tasks of 1 000; returns its id.
    private func seed(_ database: String, template: Int64) async throws -> Int64 {
        let columns =
            "status, project, playbook, inventory, parameters, created_at, started_at, finished_at, exit_code, "
            + "error, summary, cancel_requested, worker, heartbeat_at, parent_id, slice_count"
        let failure = lines * 3 / 4
        let sql = """
            PRAGMA journal_mode = WAL;
            BEGIN;
            INSERT INTO jobs (\(columns), last_seq, output_lines)
                SELECT \(columns), \(events), \(lines) FROM jobs WHERE id = \(template);
            CREATE TEMP TABLE big AS SELECT max(id) AS id FROM jobs;
            INSERT INTO job_output (job_id, chunk, first_line, lines, text)
                SELECT (SELECT id FROM big), c + 1, c * 1000, 1000, group_concat(line, '') FROM (
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(lines) - 1)
                    SELECT i / 1000 AS c, CASE
                        WHEN i % 10000 = 0 THEN 'TASK [Task ' || (i / 10000) || '] ' || printf('%.60c', '*') || char(10)
                        WHEN i = \(failure) THEN char(27) || '[0;31mfatal: [web-3]: FAILED! => {"msg": "broken at line '
                            || (i + 1) || '"}' || char(27) || '[0m' || char(10)
                        ELSE char(27) || '[0;32mok: [web-' || (i % 20) || '] => (item=' || i || ') => {"msg": "line '
                            || (i + 1) || ' of the big log"}' || char(27) || '[0m' || char(10)
                    END AS line FROM n ORDER BY i)
                GROUP BY c ORDER BY c;
            INSERT INTO job_events (job_id, seq, type, time, play, task, host, changed, failed, message, data)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(events))
                SELECT (SELECT id FROM big), i,
                    CASE WHEN i % 1000 = 1 THEN 'playbook_on_task_start' ELSE 'runner_item_on_ok' END,
                    1700000000 + i / 1000.0, 'Big play', 'Task ' || ((i - 1) / 1000),
                    CASE WHEN i % 1000 = 1 THEN NULL ELSE 'web-' || (i % 20) END, 0, 0, NULL, '{"item":' || i || '}'
                FROM n;
            INSERT INTO job_tasks (job_id, seq, play, name, handler, line, ok, changed, failed, ignored, skipped, unreachable,
                    items, failed_items)
                WITH RECURSIVE t(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM t WHERE k < \(events / 1000) - 1)
                SELECT (SELECT id FROM big), k * 1000 + 1, 'Big play', 'Task ' || k, 0, k * \(lines / max(1, events / 1000)),
                    0, 0, 0, 0, 0, 0, 999, 0
                FROM t;
            COMMIT;
            SELECT id FROM big;
            """
        let result = try await Subprocess.run(
            .name("sqlite3"), arguments: [database], input: .string(sql),
            output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        guard result.terminationStatus.isSuccess,
            let id = result.standardOutput.split(separator: "\n").last.flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) })
        else {
            throw BenchError("seeding the big job into \(database) failed: \(result.standardError)")
        }
        return id
    }
}

extension JSONValue {
    fileprivate var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }
}
