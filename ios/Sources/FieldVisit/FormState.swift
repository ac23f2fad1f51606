import Combine
import Foundation
import FieldVisitFFI

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
    /// Shown only when a condition holds (the core decides).
    public let conditional: Bool
    public let options: [FormOption]
    public let minCount: Int
    public let maxCount: Int?
    public let unit: String?
    public let items: [FormItem]

    /// Flattens the typed item; a kind's parameters become the fields that apply to it.
    init(_ item: ItemRecord) {
        id = item.id
        label = item.label.zh
        required = item.required
        conditional = item.conditional
        var options: [FormOption] = []
        var minCount = 0
        var maxCount: Int?
        var unit: String?
        var items: [FormItem] = []
        switch item.kind {
        case .yesNo:
            type = "yes_no"
        case .singleChoice(let o):
            type = "single_choice"
            options = o.map { FormOption(value: $0.value, label: $0.label.zh) }
        case .multiChoice(let o, _):
            type = "multi_choice"
            options = o.map { FormOption(value: $0.value, label: $0.label.zh) }
        case .integer(let u, _, _):
            type = "integer"
            unit = u?.zh
        case .decimal(let u, _, _):
            type = "decimal"
            unit = u?.zh
        case .text:
            type = "text"
        case .date:
            type = "date"
        case .photo(let min, let max, _):
            type = "photo"
            minCount = Int(min)
            maxCount = Int(max)
        case .`repeat`(let children, let min, let max):
            type = "repeat"
            items = children.map(FormItem.init)
            minCount = Int(min)
            maxCount = Int(max)
        case .signature:
            type = "signature"
        case .investigators(let max):
            type = "investigators"
            maxCount = Int(max)
        }
        self.options = options
        self.minCount = minCount
        self.maxCount = maxCount
        self.unit = unit
        self.items = items
    }
}

public struct FormSection: Identifiable {
    public let id: String
    public let title: String
    public let items: [FormItem]
}

/// The state of a visit form, independent of UIKit/SwiftUI: the typed answers the screen sent (what
/// `FieldVisitStore.answer` takes) by item path, photos per item, the items the core hides and the
/// core's refusal per item. The core judges validity.
public final class FormState: ObservableObject {
    public let templateId: String
    public let title: String
    public let sections: [FormSection]
    /// Answers by path (`item`, `group[n].item`); a repeat group confirmed empty holds `.noEntries`.
    @Published public private(set) var answers: [String: AnswerValue] = [:]
    @Published public private(set) var photos: [String: [String]] = [:]
    @Published public private(set) var errors: [String: String] = [:]
    @Published public private(set) var hidden: Set<String> = []
    /// Entries shown per repeat group: the core's, and at most one new, still empty one.
    @Published public private(set) var instanceCounts: [String: Int] = [:]
    /// Entries per repeat group that the core holds (an entry reaches it with its first answer).
    private var storedCounts: [String: Int] = [:]

    /// The form of a template as `FieldVisitStore.template(categoryCode:)` returns it.
    public init(template t: TemplateRecord) {
        templateId = t.id
        title = t.title.zh
        sections = t.sections.map { s in
            FormSection(id: s.id, title: s.title.zh, items: s.items.map(FormItem.init))
        }
    }

    /// Records a value the screen is about to send (`nil` clears it), as the core will hold it: a
    /// group answered `.noEntries` or cleared loses its entries with their photos; an answer inside
    /// a group removes `.noEntries`.
    public func set(_ path: String, _ value: AnswerValue?) {
        answers[path] = value
        if let parts = FormState.split(path) {
            if answers[parts.group] == .noEntries { answers[parts.group] = nil }
        } else if value == nil || value == .noEntries, instanceCounts[path] != nil {
            let outside: (String) -> Bool = { FormState.split($0)?.group != path }
            answers = answers.filter { outside($0.key) }
            photos = photos.filter { outside($0.key) }
            errors = errors.filter { outside($0.key) }
            instanceCounts[path] = nil
        }
    }

    public func accepted(_ path: String) {
        errors[path] = nil
        if let parts = FormState.split(path) {
            let (group, n) = (parts.group, parts.index)
            storedCounts[group] = max(storedCounts[group] ?? 0, n + 1)
            instanceCounts[group] = max(instanceCounts[group] ?? 0, n + 1)
        } else if instanceCounts[path] == nil {
            // A group answered `.noEntries` or cleared: the core holds none of its entries now.
            storedCounts[path] = nil
        }
    }

    /// Restores a stored draft: its answers (the values `answer` takes), photos and entries.
    public func restore(_ draft: DraftRecord) {
        answers = [:]
        errors = [:]
        photos = draft.photos
        instanceCounts = draft.instances.mapValues { Int($0) }
        storedCounts = instanceCounts
        for a in draft.answers { answers[a.path] = a.value }
    }

    /// Turns what the worker typed into a typed answer for an item, `nil` when it is empty. Input
    /// that does not read as the item's type goes as text, so the core names the problem
    /// (`WrongType`) instead of the screen guessing.
    public func input(_ item: FormItem, _ raw: String) -> AnswerValue? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        switch item.type {
        case "yes_no":
            switch text {
            case "true", "是": return .bool(value: true)
            case "false", "否": return .bool(value: false)
            default: return .text(value: text)
            }
        case "integer":
            if let n = Int64(text) { return .integer(value: n) }
            if let x = Double(text) { return .decimal(value: x) }
            return .text(value: text)
        case "decimal":
            return Double(text).map { .decimal(value: $0) } ?? .text(value: text)
        case "single_choice":
            return .choice(value: text)
        case "multi_choice":
            let values = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return .choices(values: values.filter { !$0.isEmpty })
        case "date":
            return .date(value: text)
        case "signature":
            return .signature(signer: text, image: nil)
        case "investigators":
            return FormState.investigators(picked: [], typed: text.components(separatedBy: ","))
        default:
            return .text(value: raw)
        }
    }

    /// The answer of an investigators item: colleagues picked from the station's staff list
    /// (`stationStaff`), then names typed for anyone not on it (blank ones dropped). The core fills
    /// in picked names from its list and refuses anyone entered twice.
    public static func investigators(picked: [StaffMember], typed: [String]) -> AnswerValue {
        let names = typed.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return .investigators(
            people: picked.map { Investigator(staffId: $0.id, name: $0.name) }
                + names.map { Investigator(staffId: nil, name: $0) })
    }

    /// The answer at `path` as the text a field shows for editing: what `input` reads back.
    public func inputText(_ path: String) -> String {
        switch answers[path] {
        case .text(let v)?, .choice(let v)?, .date(let v)?: return v
        case .integer(let n)?: return String(n)
        case .decimal(let x)?: return String(x)
        case .bool(let b)?: return b ? "是" : "否"
        case .choices(let values)?: return values.joined(separator: ", ")
        case .signature(let signer, _)?: return signer
        case .investigators(let people)?: return people.map { $0.name }.joined(separator: ", ")
        case .noEntries?, nil: return ""
        }
    }
    public func rejected(_ path: String, reason: String) { errors[path] = reason }
    public func photoAdded(_ path: String, id: String) { photos[path, default: []].append(id) }
    public func applyHidden(_ ids: [String]) { hidden = Set(ids) }

    public func instances(_ group: String) -> Int { instanceCounts[group] ?? 0 }

    /// Whether entry `n` of `group` exists only on screen, not yet in the core.
    public func isNewInstance(_ group: String, _ n: Int) -> Bool { n >= (storedCounts[group] ?? 0) }

    /// Below the group's `max_count`, and no entry still waiting for its first answer.
    public func canAddInstance(_ group: FormItem) -> Bool {
        let n = instances(group.id)
        return n < (group.maxCount ?? Int.max) && !isNewInstance(group.id, n - 1)
    }

    /// Shows a new, empty entry; returns its index.
    @discardableResult
    public func addInstance(_ group: FormItem) -> Int? {
        guard canAddInstance(group) else { return nil }
        let n = instances(group.id)
        instanceCounts[group.id] = n + 1
        return n
    }

    /// Drops entry `n` as the core does: later entries, their answers, photos and errors move up.
    public func removeInstance(_ group: String, _ n: Int) {
        let count = instances(group)
        guard n >= 0, n < count else { return }
        if !isNewInstance(group, n) { storedCounts[group] = (storedCounts[group] ?? 1) - 1 }
        instanceCounts[group] = count - 1
        answers = FormState.shift(answers, group, n)
        photos = FormState.shift(photos, group, n)
        errors = FormState.shift(errors, group, n)
    }

    /// Whether a child of entry `n` is shown: the core judges its entries; in a new entry, items
    /// with a condition wait for the first answer.
    public func isVisible(_ group: String, _ n: Int, _ child: FormItem) -> Bool {
        !hidden.contains("\(group)[\(n)].\(child.id)") && !(child.conditional && isNewInstance(group, n))
    }

    /// `group[n].item` split into its parts; nil for a top-level path.
    static func split(_ path: String) -> (group: String, index: Int, item: String)? {
        guard let bracket = path.firstIndex(of: "["), let close = path.range(of: "].") else { return nil }
        guard let n = Int(path[path.index(after: bracket)..<close.lowerBound]) else { return nil }
        return (String(path[..<bracket]), n, String(path[close.upperBound...]))
    }

    private static func shift<V>(_ map: [String: V], _ group: String, _ removed: Int) -> [String: V] {
        var out: [String: V] = [:]
        for (path, value) in map {
            guard let parts = split(path), parts.group == group, parts.index >= removed else {
                out[path] = value
                continue
            }
            if parts.index > removed { out["\(group)[\(parts.index - 1)].\(parts.item)"] = value }
        }
        return out
    }

    public var visibleSections: [FormSection] {
        sections
            .map { FormSection(id: $0.id, title: $0.title, items: $0.items.filter { !hidden.contains($0.id) }) }
            .filter { !$0.items.isEmpty }
    }

    /// Visible required items still without an answer (photo items: too few photos), as paths;
    /// inside repeat groups, `group[n].item`.
    public var missingRequired: [String] {
        var out: [String] = []
        for item in visibleSections.flatMap({ $0.items }) {
            if item.type == "repeat" {
                if item.required && instances(item.id) == 0 { out.append(item.id) }
                for n in 0..<instances(item.id) {
                    for child in item.items where child.required && isVisible(item.id, n, child) {
                        let path = "\(item.id)[\(n)].\(child.id)"
                        if isMissing(child, path) { out.append(path) }
                    }
                }
            } else if item.required && isMissing(item, item.id) {
                out.append(item.id)
            }
        }
        return out
    }

    private func isMissing(_ item: FormItem, _ path: String) -> Bool {
        if item.type == "photo" {
            return (photos[path]?.count ?? 0) < max(item.minCount, 1)
        }
        // An empty selection or blank text is no answer, as the core counts it.
        switch answers[path] {
        case nil: return true
        case .text(let v)?: return v.trimmingCharacters(in: .whitespaces).isEmpty
        case .choices(let values)?: return values.isEmpty
        case .investigators(let people)?: return people.isEmpty
        default: return false
        }
    }
}
