import Foundation
import HTTPTypes
import PlayhouseCore
import PlayhouseStore
import Yams

/// Workflows as code: the `workflows/*.yml` files of a project (a folder, or a git
/// project's branch), reviewed and versioned with its playbooks. A file holds what
/// `POST /api/v1/workflows` takes (its `name` defaults to the file's), and a stored
/// workflow exports as such a file.
struct WorkflowFiles: Sendable {
    let dependencies: ServerDependencies

    /// One file of a project's `workflows/`: its graph, or what is wrong with it.
    struct Entry: Encodable, Sendable {
        var project: String
        var file: String
        @ExplicitNull var name: String?
        @ExplicitNull var definition: WorkflowDefinition?
        @ExplicitNull var error: String?
    }

    /// Every workflow file of `project`, as `user` lists it (a git project is cloned,
    /// one listing of the user's at a time).
    func list(_ project: String, user: String) async throws -> [Entry] {
        try await files(of: project, user: user).sorted { $0.key < $1.key }.map { file, text in
            do {
                let (name, definition) = try Self.parse(text, file: file)
                return Entry(project: project, file: file, name: name, definition: definition)
            } catch {
                return Entry(project: project, file: file, error: Self.describe(error))
            }
        }
    }

    /// The workflow of `workflows/FILE` in `project`, ready to launch.
    func source(_ project: String, file: String, user: String) async throws -> WorkflowService.Source {
        guard let text = try await files(of: project, user: user)[file] else {
            throw APIError.notFound("workflow file \"\(file.prefix(100))\" in project \(project)")
        }
        do {
            let (name, definition) = try Self.parse(text, file: file)
            return WorkflowService.Source(
                workflowID: nil, name: name, file: "\(project):\(ProjectPath.workflowsFolder)/\(file)", definition: definition)
        } catch {
            throw DomainError(.invalid, "workflow file \(file) of project \(project) is not valid", detail: Self.describe(error))
        }
    }

    /// A workflow file's name and graph; the name defaults to the file's without `.yml`.
    static func parse(_ text: String, file: String) throws -> (String, WorkflowDefinition) {
        guard !text.isEmpty else {
            throw ValidationError("the file is empty, unreadable or larger than \(ProjectPath.maxWorkflowFileBytes / 1024) KiB")
        }
        guard case .object(var members)? = try YAMLData.load(text) else {
            throw ValidationError("the file must hold a mapping: name, nodes, edges…")
        }
        if members["name"] == nil { members["name"] = .string(stem(of: file)) }
        let request = try RequestBodyDecoder.decode(WorkflowRequest.self, from: members)
        try request.definition.validate()
        return (request.name, request.definition)
    }

    /// The stored workflow as a file: its templates and nested workflows named by name.
    func export(_ workflow: Workflow) async throws -> String {
        let service = WorkflowService(dependencies: dependencies)
        var definition = workflow.definition
        for index in definition.nodes.indices {
            if let reference = definition.nodes[index].template, let template = try await service.template(reference) {
                definition.nodes[index].template = .name(template.name)
            }
            if let reference = definition.nodes[index].workflow, let nested = try await service.workflow(reference) {
                definition.nodes[index].workflow = .name(nested.name)
            }
        }
        return try YAMLEncoder().encode(Exported(name: workflow.name, definition: definition))
    }

    /// `deploy-prod.yml` for "Deploy prod".
    static func fileName(for name: String) -> String {
        let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        let trimmed = slug.split(separator: "-").joined(separator: "-").filter(\.isASCII)
        return (trimmed.isEmpty ? "workflow" : String(trimmed.prefix(100))) + ".yml"
    }

    /// A file's name and graph, in the order a person reads them.
    private struct Exported: Encodable {
        var name: String
        var definition: WorkflowDefinition

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: WorkflowRequest.CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(definition.description, forKey: .description)
            try container.encode(definition.nodes, forKey: .nodes)
            try container.encode(definition.edges, forKey: .edges)
            if !definition.survey.isEmpty { try container.encode(definition.survey, forKey: .survey) }
            try container.encodeIfPresent(definition.extraVars, forKey: .extraVars)
            if !definition.prompts.isEmpty { try container.encode(definition.prompts, forKey: .prompts) }
        }
    }

    private func files(of project: String, user: String) async throws -> [String: String] {
        if dependencies.catalog.projects().contains(project) { return try dependencies.catalog.workflowFiles(in: project) }
        guard let git = try await dependencies.store.templates.gitProject(named: project) else {
            throw APIError.notFound("project \"\(project.prefix(100))\"")
        }
        do {
            return try await dependencies.work.withPermit(user: user, kind: .gitListing) { try await dependencies.gitContents(git) }
                .workflows
        } catch let error as ValidationError {
            throw APIError(.badGateway, "git project \(project) could not be read", detail: error.message)
        }
    }

    private static func stem(of file: String) -> String {
        for suffix in [".yml", ".yaml"] where file.hasSuffix(suffix) { return String(file.dropLast(suffix.count)) }
        return file
    }

    private static func describe(_ error: any Error) -> String {
        APIError.refusal(error) ?? "\(error)"
    }
}
