/// What an audit log entry records, by its stored name (`job.launch`). Entries written by
/// another version of Playhouse may name actions this one does not know: the type keeps
/// any name, and these are the ones this version writes.
public struct AuditAction: RawRepresentable, Sendable, Hashable, Codable {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let jobLaunch = AuditAction(rawValue: "job.launch")
    public static let jobRelaunch = AuditAction(rawValue: "job.relaunch")
    public static let jobCancel = AuditAction(rawValue: "job.cancel")
    public static let workflowCreate = AuditAction(rawValue: "workflow.create")
    public static let workflowUpdate = AuditAction(rawValue: "workflow.update")
    public static let workflowDelete = AuditAction(rawValue: "workflow.delete")
    public static let workflowLaunch = AuditAction(rawValue: "workflow.launch")
    public static let workflowResume = AuditAction(rawValue: "workflow.resume")
    public static let workflowCancel = AuditAction(rawValue: "workflow.cancel")
    public static let approvalApprove = AuditAction(rawValue: "approval.approve")
    public static let approvalDeny = AuditAction(rawValue: "approval.deny")
    public static let approvalTimeout = AuditAction(rawValue: "approval.timeout")
    public static let templateCreate = AuditAction(rawValue: "template.create")
    public static let templateUpdate = AuditAction(rawValue: "template.update")
    public static let templateDelete = AuditAction(rawValue: "template.delete")
    public static let hookCreate = AuditAction(rawValue: "hook.create")
    public static let hookRefused = AuditAction(rawValue: "hook.refused")
    public static let hookDelete = AuditAction(rawValue: "hook.delete")
    public static let scheduleCreate = AuditAction(rawValue: "schedule.create")
    public static let scheduleUpdate = AuditAction(rawValue: "schedule.update")
    public static let scheduleDelete = AuditAction(rawValue: "schedule.delete")
    public static let scheduleMissed = AuditAction(rawValue: "schedule.missed")
    public static let scheduleFailed = AuditAction(rawValue: "schedule.failed")
    public static let inventoryCreate = AuditAction(rawValue: "inventory.create")
    public static let inventoryUpdate = AuditAction(rawValue: "inventory.update")
    public static let inventoryDelete = AuditAction(rawValue: "inventory.delete")
    public static let credentialCreate = AuditAction(rawValue: "credential.create")
    public static let credentialUpdate = AuditAction(rawValue: "credential.update")
    public static let credentialDelete = AuditAction(rawValue: "credential.delete")
    public static let projectCreate = AuditAction(rawValue: "project.create")
    public static let projectUpdate = AuditAction(rawValue: "project.update")
    public static let projectDelete = AuditAction(rawValue: "project.delete")
    public static let projectRefresh = AuditAction(rawValue: "project.refresh")
    public static let environmentCreate = AuditAction(rawValue: "environment.create")
    public static let environmentDelete = AuditAction(rawValue: "environment.delete")
    /// A git project's first clone over SSH trusted the host keys it saw (no person acted).
    public static let projectKnownHostsLearn = AuditAction(rawValue: "project.known_hosts.learn")
    public static let projectKnownHostsConfirm = AuditAction(rawValue: "project.known_hosts.confirm")
    public static let projectKnownHostsClear = AuditAction(rawValue: "project.known_hosts.clear")
    public static let notificationCreate = AuditAction(rawValue: "notification.create")
    public static let notificationDelete = AuditAction(rawValue: "notification.delete")
    public static let userCreate = AuditAction(rawValue: "user.create")
    public static let userUpdate = AuditAction(rawValue: "user.update")
    public static let userDelete = AuditAction(rawValue: "user.delete")
    public static let userPassword = AuditAction(rawValue: "user.password")
    public static let userPasswordFailed = AuditAction(rawValue: "user.password.failed")
    public static let userPasswordThrottled = AuditAction(rawValue: "user.password.throttled")
    /// A user turned two-factor sign-in on (their first code confirmed it).
    public static let userTOTPEnable = AuditAction(rawValue: "user.totp.enable")
    public static let userTOTPDisable = AuditAction(rawValue: "user.totp.disable")
    /// A wrong password or code sent to turn two-factor sign-in off.
    public static let userTOTPFailed = AuditAction(rawValue: "user.totp.failed")
    /// `playhouse users reset-2fa`: an admin removed a locked-out user's second factor.
    public static let userTOTPReset = AuditAction(rawValue: "user.totp.reset")
    /// A sign-in through a provider brought the user's role or teams in line with their groups there.
    public static let userSync = AuditAction(rawValue: "user.sync")
    /// An admin ended every session and deleted every API token of a user.
    public static let userRevoke = AuditAction(rawValue: "user.revoke")
    public static let teamCreate = AuditAction(rawValue: "team.create")
    public static let teamUpdate = AuditAction(rawValue: "team.update")
    public static let teamDelete = AuditAction(rawValue: "team.delete")
    public static let grantCreate = AuditAction(rawValue: "grant.create")
    public static let grantDelete = AuditAction(rawValue: "grant.delete")
    public static let tokenCreate = AuditAction(rawValue: "token.create")
    public static let tokenDelete = AuditAction(rawValue: "token.delete")
    public static let login = AuditAction(rawValue: "login")
    public static let logout = AuditAction(rawValue: "logout")
    public static let loginFailed = AuditAction(rawValue: "login.failed")
    public static let loginThrottled = AuditAction(rawValue: "login.throttled")
}
