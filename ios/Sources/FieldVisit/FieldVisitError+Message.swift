import FieldVisitFFI

/// What an app reads from a `FieldVisitError`: its message (one sentence, Chinese with English
/// beside it) and whether trying again later can help.
extension FieldVisitError {
    /// The readable message, without the enum's case name.
    public var message: String {
        switch self {
        case .WrongKey(let m), .KeyUnavailable(let m), .NotFound(let m), .InvalidInput(let m),
             .Incomplete(let m), .Sealed(let m), .BrokenChain(let m), .Storage(let m), .Crypto(let m),
             .Network(let m), .EnrollmentRefused(let m), .NotEnrolled(let m), .Revoked(let m),
             .Refused(let m), .Cancelled(let m), .Internal(let m):
            return m
        }
    }

    /// Only `.Network` (no connection, server down or busy) can succeed when tried again later.
    public var isTransient: Bool {
        if case .Network = self { return true }
        return false
    }

    /// The phone must (again) be enrolled with a new code before it can sync.
    public var needsEnrollment: Bool {
        switch self {
        case .EnrollmentRefused, .NotEnrolled, .Revoked:
            return true
        default:
            return false
        }
    }
}
