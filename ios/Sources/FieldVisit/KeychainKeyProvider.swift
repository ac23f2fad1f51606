import Foundation
import Security
import FieldVisitFFI

/// The store's 32-byte master key in the iOS Keychain: a generic password item readable after the
/// first unlock, on this device only (never in backups or iCloud). The first call creates it.
public final class KeychainKeyProvider: KeyProvider {
    private let service: String
    private let account = "master-key"

    public init(service: String = "org.fieldvisit.store") {
        self.service = service
    }

    public func masterKey() throws -> Data {
        if let existing = try read() {
            return existing
        }
        var key = Data(count: 32)
        let status = key.withUnsafeMutableBytes { buffer in
            SecRandomCopyBytes(kSecRandomDefault, 32, buffer.baseAddress!)
        }
        guard status == errSecSuccess else {
            throw KeyProviderError.Unavailable(reason: "SecRandomCopyBytes failed (\(status))")
        }
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: key,
        ]
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else {
            throw KeyProviderError.Unavailable(reason: "Keychain refused to store the key (\(added))")
        }
        return key
    }

    private func read() throws -> Data? {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
            kSecReturnData as String: true,
            kSecMatchLimit as String: kSecMatchLimitOne,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            return item as? Data
        case errSecItemNotFound:
            return nil
        default:
            // errSecInteractionNotAllowed: the device has not been unlocked since boot.
            throw KeyProviderError.Unavailable(reason: "Keychain unavailable (\(status))")
        }
    }
}
