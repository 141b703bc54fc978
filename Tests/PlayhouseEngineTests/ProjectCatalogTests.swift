import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Testing

@Suite struct ProjectCatalogTests {
    @Test func pathsStayInsideTheProject() throws {
        let projects = try TestPaths.makeProject("p", files: ["site.yml": "- hosts: all\n", "roles/r/tasks/main.yml": "- debug: {}\n"])
        let outside = try TestPaths.scratch("outside")
        try "- hosts: all\n".write(toFile: outside + "/evil.yml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: projects + "/p/link.yml", withDestinationPath: outside + "/evil.yml")
        try FileManager.default.createSymbolicLink(atPath: projects + "/p/out", withDestinationPath: outside)
        let catalog = ProjectCatalog(root: projects)
        #expect(try catalog.resolve("site.yml", in: "p", field: "playbook").hasSuffix("/p/site.yml"))
        #expect(try catalog.resolve("not-yet.yml", in: "p", field: "playbook").hasSuffix("/p/not-yet.yml"))
        for escape in ["../p/site.yml", "/etc/passwd", "link.yml", "out/evil.yml", "out/new.yml", "sub/../../x.yml", "-x.yml"] {
            #expect(throws: ValidationError.self, "\(escape) must be refused") {
                try catalog.resolve(escape, in: "p", field: "playbook")
            }
        }
        #expect(throws: ValidationError.self) { try catalog.directory(of: "..") }
        #expect(throws: ValidationError.self) { try catalog.directory(of: "missing") }
        #expect(try catalog.playbooks(in: "p") == ["site.yml"])
    }

    @Test func theDemoProjectListsItsPlaybooksAndInventories() throws {
        let catalog = ProjectCatalog(root: TestPaths.examples)
        #expect(catalog.projects().contains("demo"))
        let playbooks = try catalog.playbooks(in: "demo")
        #expect(playbooks.contains("deploy-nginx.yml"))
        #expect(playbooks.contains("progress.yml"))
        let inventories = try catalog.inventoryFiles(in: "demo")
        #expect(inventories.contains("inventory/local.ini"))
        #expect(inventories.contains("inventory/cmdb.py"))
    }
}
