import Foundation
import Hummingbird
import HummingbirdTesting
import PlayhouseCore
import PlayhouseStore
import PlayhouseTestSupport
import Testing

/// Templates: defaults, what a launcher may change, surveys (static and dynamic choices,
/// secret answers) and one-at-a-time runs.
@Suite struct TemplateTests {
    static let files = [
        "deploy.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "version={{ version }} replicas={{ replicas }} region={{ region }} zones={{ zones | join('+') }} \
        canary={{ canary }} target={{ target }} password={{ db_password }}"
        """,
        "sleep.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.command: sleep {{ seconds | default(2) }}
        """,
        "hosts.ini": """
        [web]
        web1
        web2
        [db]
        db1
        [all:vars]
        ansible_connection=local
        ansible_python_interpreter="{{ ansible_playbook_python }}"
        """,
    ]

    static func survey(regionsURL: String) -> String {
        """
        [
          {"variable":"version","question":"Version","type":"text","required":true,"regex":"[0-9]+\\\\.[0-9]+"},
          {"variable":"replicas","question":"Replicas","type":"integer","min":1,"max":5,"default":2},
          {"variable":"region","question":"Region","type":"choice","choices_from":{"url":"\(regionsURL)"}},
          {"variable":"zones","question":"Zones","type":"multichoice","choices":["a","b","c"],"default":["a"]},
          {"variable":"canary","question":"Canary?","type":"boolean","default":false},
          {"variable":"target","question":"Target host","type":"choice","choices_from":{"inventory":"hosts.ini","group":"web"}},
          {"variable":"db_password","question":"Database password","type":"password","required":true,"min":8}
        ]
        """
    }

    /// Serves `GET /regions` (a JSON list) on a free port while `body` runs.
    func withRegions<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.get("regions") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"["eu-west","us-east"]"#)))
        }
        return try await withPeerServer(router) { port in try await body("http://127.0.0.1:\(port)/regions") }
    }

    @Test func aSurveyIsAskedCheckedAndItsSecretsKept() async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await withRegions { regions in
            try await ServerFixture.with(projects: projects) { client, _ in
                let body =
                    #"{"name":"deploy","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","limit":"web1","prompts":["limit"],"#
                    + #""survey":\#(Self.survey(regionsURL: regions))}"#
                let created = try await client.json(.post, "/api/v1/templates", body: body)
                #expect(created.status == .created, "\(created.json.jsonString())")
                let id = try #require(created.json["id"]?.intValue)
                #expect(created.headers[.location] == "/api/v1/templates/\(id)")

                let survey = try await client.json(.get, "/api/v1/templates/\(id)/survey").json
                guard case .array(let questions)? = survey["questions"] else { throw TestFailure("no questions: \(survey.jsonString())") }
                #expect(questions[2]["choices"] == .array(["eu-west", "us-east"].map(JSONValue.string)), "choices from the URL")
                #expect(questions[5]["choices"] == .array(["web1", "web2"].map(JSONValue.string)), "choices from the inventory group")

                let good = #""version":"1.2","region":"us-east","zones":["a","c"],"target":"web2","db_password":"s3cret-pass-w0rd""#
                for (answers, reason) in [
                    (
                        #""region":"us-east","target":"web2","db_password":"s3cret-pass-w0rd""#,
                        #"the answer to "Version" (version) is required"#
                    ),
                    (
                        #""version":"one","region":"us-east","target":"web2","db_password":"s3cret-pass-w0rd""#,
                        #"the answer to "Version" (version) does not match [0-9]+\.[0-9]+"#
                    ),
                    (good + #","replicas":9"#, #"the answer to "Replicas" (replicas) must be at most 5"#),
                    (
                        #""version":"1.2","region":"mars","target":"web2","db_password":"s3cret-pass-w0rd""#,
                        #"the answer to "Region" (region) must be one of eu-west, us-east, got "mars""#
                    ),
                    (
                        #""version":"1.2","region":"us-east","target":"db1","db_password":"s3cret-pass-w0rd""#,
                        #"the answer to "Target host" (target) must be one of web1, web2, got "db1""#
                    ),
                    (
                        #""version":"1.2","region":"us-east","zones":["d"],"target":"web2","db_password":"s3cret-pass-w0rd""#,
                        #"the answer to "Zones" (zones) must be among a, b, c, got "d""#
                    ),
                    (
                        #""version":"1.2","region":"us-east","target":"web2","db_password":"short""#,
                        #"the answer to "Database password" (db_password) must have at least 8 characters"#
                    ),
                    (good + #","color":"red""#, #"the survey has no question for "color""#),
                ] {
                    let refused = try await client.json(.post, "/api/v1/templates/\(id)/launch", body: #"{"survey":{\#(answers)}}"#)
                    #expect(refused.status == .badRequest)
                    #expect(refused.json["error"] == .string(reason), "\(refused.json.jsonString())")
                }
                let fixed = try await client.json(
                    .post, "/api/v1/templates/\(id)/launch", body: #"{"playbook":"sleep.yml","survey":{\#(good)}}"#)
                #expect(fixed.status == .badRequest)
                #expect(fixed.json["error"] == .string(#"playbook is fixed by template "deploy""#))
                #expect(try await client.json(.get, "/api/v1/jobs").json["jobs"] == .array([]), "no bad launch made a job")

                let launched = try await client.json(
                    .post, "/api/v1/templates/\(id)/launch", body: #"{"limit":"web2","survey":{\#(good)}}"#)
                #expect(launched.status == .accepted, "\(launched.json.jsonString())")
                let jobID = Int64(try #require(launched.json["id"]?.intValue))
                #expect(launched.headers[.location] == "/api/v1/jobs/\(jobID)")
                #expect(launched.json["template_id"] == .number(Double(id)))
                #expect(launched.json["limit"] == .string("web2"), "a prompted field takes the launcher's value")
                #expect(launched.json["secret_vars"] == .array([.string("db_password")]))
                #expect(launched.json["extra_vars"]?["db_password"] == nil)
                let job = try await client.waitForEnd(jobID)
                #expect(job["status"] == .string("successful"), "\(job.jsonString())")
                let output = try await client.text("/api/v1/jobs/\(jobID)/stdout?ansi=0").2
                #expect(
                    output.contains(
                        "version=1.2 replicas=2 region=us-east zones=a+c canary=False target=web2 password=\(SecretMask.replacement)"),
                    "\(output)")
                let events = try await client.json(.get, "/api/v1/jobs/\(jobID)/events?limit=1000").json.jsonString()
                #expect(!events.contains("s3cret-pass-w0rd") && !output.contains("s3cret-pass-w0rd"))
            }
        }
    }

    @Test(arguments: [false, true]) func aTemplateRunsOneAtATimeUnlessAllowed(concurrent: Bool) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects, workers: 2) { client, store in
            let body =
                #"{"name":"slow","project":"p","playbook":"sleep.yml","inventory":"hosts.ini","limit":"db1","#
                + #""allow_concurrent":\#(concurrent)}"#
            let id = try #require(try await client.json(.post, "/api/v1/templates", body: body).json["id"]?.intValue)
            var jobs: [Int64] = []
            for _ in 0..<2 {
                let launched = try await client.json(.post, "/api/v1/templates/\(id)/launch")
                jobs.append(Int64(try #require(launched.json["id"]?.intValue)))
            }
            for job in jobs { _ = try await client.waitForEnd(job) }
            let first = try #require(await store.jobs.find(jobs[0]))
            let second = try #require(await store.jobs.find(jobs[1]))
            #expect(first.status == .successful && second.status == .successful)
            let overlapped = try #require(second.startedAt) < (try #require(first.finishedAt))
            #expect(overlapped == concurrent, concurrent ? "both ran at once" : "the second waited for the first")
        }
    }

    @Test(arguments: [
        (
            #"{"name":"t","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","prompts":["playbook"]}"#,
            "prompts may name inventory, credentials, extra_vars, limit, tags, skip_tags, check, diff, verbosity, forks, "
                + "timeout, env, priority, worker_group; not \"playbook\""
        ),
        (
            #"{"name":"t","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","#
                + #""survey":[{"variable":"9x","question":"Q","type":"text"}]}"#,
            "survey variable \"9x\" must be a variable name (letters, digits and _, not first a digit)"
        ),
        (
            #"{"name":"t","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","#
                + #""survey":[{"variable":"x","question":"Q","type":"colour"}]}"#,
            "survey question 1 is not valid"
        ),
        (
            #"{"name":"t","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","#
                + #""survey":[{"variable":"x","question":"Q","type":"choice"}]}"#,
            "choice question \"Q\" needs either choices or choices_from"
        ),
        (
            #"{"name":"t","project":"p","playbook":"deploy.yml","inventory":"hosts.ini","#
                + #""survey":[{"variable":"x","question":"Q","type":"password","default":"hunter22"}]}"#,
            "password question \"Q\" cannot have a default: it would be stored in clear"
        ),
        (#"{"name":"t","project":"p","playbook":"nope.yml","inventory":"hosts.ini"}"#, "playbook"),
    ])
    func badTemplatesAreRefusedWithAReason(body: String, reason: String) async throws {
        let projects = try TestPaths.makeProject("p", files: Self.files)
        try await ServerFixture.with(projects: projects) { client, _ in
            let answer = try await client.json(.post, "/api/v1/templates", body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.json.jsonString().contains(reason) || answer.json["error"] == .string(reason), "\(answer.json.jsonString())")
            #expect(try await client.json(.get, "/api/v1/templates").json["templates"] == .array([]))
        }
    }
}
