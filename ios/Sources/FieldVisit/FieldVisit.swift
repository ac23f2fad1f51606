import Foundation
import FieldVisitFFI

/// Opens the app's store in Application Support with the Keychain master key. Every method of the
/// returned store `throws` a `FieldVisitError` (`.WrongKey(message:)`, `.InvalidInput(message:)`,
/// `.Network(message:)` …; `error.message` is the readable text). The blocking store is for code off
/// the main thread; `AsyncStore.open()` gives the `async` one. Instants are epoch milliseconds,
/// days are `YYYY-MM-DD`.
public enum FieldVisit {
    public static func open(keys: KeyProvider = KeychainKeyProvider()) throws -> FieldVisitStore {
        let support = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
        let dir = support.appendingPathComponent("fieldvisit", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        var url = dir
        try url.setResourceValues(values)
        return try FieldVisitStore.open(path: dir.appendingPathComponent("phone.db").path, keys: keys)
    }

    /// Now, in epoch milliseconds.
    public static func nowMs() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }

    /// Today in the local calendar, as `YYYY-MM-DD`.
    public static func today() -> String {
        let f = DateFormatter()
        f.calendar = Calendar(identifier: .gregorian)
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }
}
