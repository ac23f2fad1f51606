import Combine
import Foundation

/// A choice item's option.
public struct FormOption: Hashable {
    public let value: String
    public let label: String
}

/// One item of a template as the form renders it; conditions and scores stay in the core.
public struct FormItem: Identifiable {
    public let id: String
    public let type: String
    public let label: String
    public let required: Bool
    public let options: [FormOption]
    public let minCount: Int
    public let unit: String?
    public let items: [FormItem]

    init(json: [String: Any]) {
        id = json["id"] as? String ?? ""
        type = json["type"] as? String ?? ""
        label = FormItem.zh(json["label"])
        required = json["required"] as? Bool ?? false
        options = (json["options"] as? [[String: Any]] ?? []).map {
            FormOption(value: $0["value"] as? String ?? "", label: FormItem.zh($0["label"]))
        }
        minCount = json["min_count"] as? Int ?? 0
        unit = (json["unit"] as? [String: Any]).map { FormItem.zh($0) }
        items = (json["items"] as? [[String: Any]] ?? []).map(FormItem.init(json:))
    }

    static func zh(_ label: Any?) -> String {
        (label as? [String: Any])?["zh"] as? String ?? ""
    }
}

public struct FormSection: Identifiable {
    public let id: String
    public let title: String
    public let items: [FormItem]
}

/// The state of a visit form, independent of UIKit/SwiftUI: answers in the app's answer JSON, photos
/// per item, the items the core hides and the core's refusal per item. The core judges validity.
public final class FormState: ObservableObject {
    public let templateId: String
    public let title: String
    public let sections: [FormSection]
    @Published public private(set) var answers: [String: Any] = [:]
    @Published public private(set) var photos: [String: [String]] = [:]
    @Published public private(set) var errors: [String: String] = [:]
    @Published public private(set) var hidden: Set<String> = []

    public init(templateJSON: String) throws {
        let object = try JSONSerialization.jsonObject(with: Data(templateJSON.utf8))
        guard let t = object as? [String: Any] else {
            throw NSError(domain: "FieldVisit", code: 1, userInfo: [NSLocalizedDescriptionKey: "a template is a JSON object"])
        }
        templateId = t["id"] as? String ?? ""
        title = FormItem.zh(t["title"])
        sections = (t["sections"] as? [[String: Any]] ?? []).map { s in
            FormSection(
                id: s["id"] as? String ?? "",
                title: FormItem.zh(s["title"]),
                items: (s["items"] as? [[String: Any]] ?? []).map(FormItem.init(json:))
            )
        }
    }

    /// Records a value and returns the JSON text to send to the core (`null` clears).
    public func set(_ path: String, _ value: Any?) -> String {
        answers[path] = value
        guard let value = value,
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]),
              let text = String(data: data, encoding: .utf8) else {
            return "null"
        }
        return text
    }

    public func accepted(_ path: String) { errors[path] = nil }
    public func rejected(_ path: String, reason: String) { errors[path] = reason }
    public func photoAdded(_ path: String, id: String) { photos[path, default: []].append(id) }
    public func applyHidden(_ ids: [String]) { hidden = Set(ids) }

    public var visibleSections: [FormSection] {
        sections
            .map { FormSection(id: $0.id, title: $0.title, items: $0.items.filter { !hidden.contains($0.id) }) }
            .filter { !$0.items.isEmpty }
    }

    /// Visible required items still without an answer (photo items: too few photos).
    public var missingRequired: [String] {
        visibleSections.flatMap { $0.items }.filter { item in
            guard item.required else { return false }
            if item.type == "photo" {
                return (photos[item.id]?.count ?? 0) < max(item.minCount, 1)
            }
            switch answers[item.id] {
            case nil, is NSNull: return true
            case let s as String: return s.trimmingCharacters(in: .whitespaces).isEmpty
            case let a as [Any]: return a.isEmpty
            default: return false
            }
        }.map { $0.id }
    }
}
