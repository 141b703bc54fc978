import ArgumentParser
import Foundation
import PlayhouseServer

/// `serve`'s limits on slow work at once and on open streams (``ResourceLimits``).
struct LimitOptions: ParsableArguments {
    private static let defaults = ResourceLimits()

    @Option(
        name: .long,
        help:
            """
            Inventory resolutions (ansible-inventory runs) one user may have running at once \
            (env PLAYHOUSE_INVENTORY_RESOLUTIONS_PER_USER).
            """
    )
    var inventoryResolutionsPerUser = Self.setting("PLAYHOUSE_INVENTORY_RESOLUTIONS_PER_USER", Self.defaults.inventoryResolutions.perUser)

    @Option(name: .long, help: "Inventory resolutions running at once for everyone (env PLAYHOUSE_INVENTORY_RESOLUTIONS).")
    var inventoryResolutions = Self.setting("PLAYHOUSE_INVENTORY_RESOLUTIONS", Self.defaults.inventoryResolutions.total)

    @Option(name: .long, help: "Git playbook listings (clones) one user may have running at once (env PLAYHOUSE_GIT_LISTINGS_PER_USER).")
    var gitListingsPerUser = Self.setting("PLAYHOUSE_GIT_LISTINGS_PER_USER", Self.defaults.gitListings.perUser)

    @Option(name: .long, help: "Git playbook listings running at once for everyone (env PLAYHOUSE_GIT_LISTINGS).")
    var gitListings = Self.setting("PLAYHOUSE_GIT_LISTINGS", Self.defaults.gitListings.total)

    @Option(name: .long, help: "Survey choice lookups from URLs one user may have running at once (env PLAYHOUSE_SURVEY_LOOKUPS_PER_USER).")
    var surveyLookupsPerUser = Self.setting("PLAYHOUSE_SURVEY_LOOKUPS_PER_USER", Self.defaults.surveyLookups.perUser)

    @Option(name: .long, help: "Survey choice lookups running at once for everyone (env PLAYHOUSE_SURVEY_LOOKUPS).")
    var surveyLookups = Self.setting("PLAYHOUSE_SURVEY_LOOKUPS", Self.defaults.surveyLookups.total)

    @Option(name: .long, help: "Searches of job logs one user may have running at once (env PLAYHOUSE_LOG_SEARCHES_PER_USER).")
    var logSearchesPerUser = Self.setting("PLAYHOUSE_LOG_SEARCHES_PER_USER", Self.defaults.logSearches.perUser)

    @Option(name: .long, help: "Searches of job logs running at once for everyone (env PLAYHOUSE_LOG_SEARCHES).")
    var logSearches = Self.setting("PLAYHOUSE_LOG_SEARCHES", Self.defaults.logSearches.total)

    @Option(name: .long, help: "Live event streams one user may hold open (env PLAYHOUSE_STREAMS_PER_USER).")
    var streamsPerUser = Self.setting("PLAYHOUSE_STREAMS_PER_USER", Self.defaults.streamsPerUser)

    @Option(name: .long, help: "Seconds a survey's choices URL may take to answer (env PLAYHOUSE_SURVEY_LOOKUP_TIMEOUT).")
    var surveyLookupTimeout = Self.setting("PLAYHOUSE_SURVEY_LOOKUP_TIMEOUT", Int(Self.defaults.surveyLookupTimeout.components.seconds))

    var resourceLimits: ResourceLimits {
        ResourceLimits(
            inventoryResolutions: .init(perUser: inventoryResolutionsPerUser, total: inventoryResolutions),
            gitListings: .init(perUser: gitListingsPerUser, total: gitListings),
            surveyLookups: .init(perUser: surveyLookupsPerUser, total: surveyLookups),
            logSearches: .init(perUser: logSearchesPerUser, total: logSearches),
            streamsPerUser: streamsPerUser, surveyLookupTimeout: .seconds(surveyLookupTimeout))
    }

    func validate() throws {
        let all = [
            inventoryResolutionsPerUser, inventoryResolutions, gitListingsPerUser, gitListings,
            surveyLookupsPerUser, surveyLookups, logSearchesPerUser, logSearches, streamsPerUser, surveyLookupTimeout,
        ]
        guard all.allSatisfy({ $0 >= 1 }) else {
            throw ArgumentParser.ValidationError(
                "--inventory-resolutions, --git-listings, --survey-lookups, --log-searches, their -per-user forms, "
                    + "--streams-per-user and --survey-lookup-timeout must be at least 1"
            )
        }
    }

    private static func setting(_ name: String, _ value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? value
    }
}
