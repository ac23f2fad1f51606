import SwiftUI
import UIKit
import FieldVisit
import FieldVisitFFI

/// One visit: starts it with a GPS fix, renders the template's visible items, sends every answer to
/// the core, shows refusals beside items, takes photos into the core, seals.
final class VisitModel: ObservableObject {
    @Published var form: FormState?
    @Published var levels: [ScoreResult] = []
    @Published var message: String?
    /// The station's staff, offered by an investigators item.
    @Published var staff: [StaffMember] = []
    private var visitId: String?
    private let location = LocationAdapter()

    func start(app: AppModel, householdId: String, categoryCode: String) {
        location.currentFix { fix in
            app.queue.async {
                do {
                    guard let store = app.store else { return }
                    let id = try store.startVisit(
                        householdId: householdId, categoryCode: categoryCode, fix: fix,
                        startedAtMs: FieldVisit.nowMs())
                    let form = FormState(template: try store.template(categoryCode: categoryCode))
                    let ev = try store.evaluate(visitId: id)
                    let staff = try store.stationStaff()
                    DispatchQueue.main.async {
                        self.visitId = id
                        self.staff = staff
                        form.applyHidden(ev.hidden)
                        self.form = form
                        self.levels = ev.scores
                    }
                } catch {
                    DispatchQueue.main.async { self.message = "\(error)" }
                }
            }
        }
    }

    func answer(app: AppModel, path: String, value: AnswerValue?) {
        guard let form = form, let id = visitId, let store = app.store else { return }
        form.set(path, value)
        app.queue.async {
            var refusal: String?
            do {
                try store.answer(visitId: id, path: path, value: value)
            } catch let e as FieldVisitError {
                refusal = e.message
            } catch {
                refusal = "\(error)"
            }
            let ev = try? store.evaluate(visitId: id)
            DispatchQueue.main.async {
                if let refusal = refusal { form.rejected(path, reason: refusal) } else { form.accepted(path) }
                if let ev = ev {
                    form.applyHidden(ev.hidden)
                    self.levels = ev.scores
                }
            }
        }
    }

    func attach(app: AppModel, item: String, jpeg: Data) {
        guard let form = form, let id = visitId, let store = app.store else { return }
        app.queue.async {
            do {
                let photo = try store.attachPhoto(
                    visitId: id, itemPath: item, jpeg: jpeg, capturedAtMs: FieldVisit.nowMs())
                DispatchQueue.main.async { form.photoAdded(item, id: photo) }
            } catch {
                DispatchQueue.main.async { form.rejected(item, reason: "\(error)") }
            }
        }
    }

    /// Removes entry `n` of a repeat group (in the core too once it holds it), with its photos.
    func removeInstance(app: AppModel, group: String, n: Int) {
        guard let form = form, let id = visitId, let store = app.store else { return }
        if form.isNewInstance(group, n) {
            form.removeInstance(group, n)
            return
        }
        app.queue.async {
            do {
                try store.removeInstance(visitId: id, group: group, index: Int32(n))
                let ev = try store.evaluate(visitId: id)
                DispatchQueue.main.async {
                    form.removeInstance(group, n)
                    form.applyHidden(ev.hidden)
                    self.levels = ev.scores
                }
            } catch {
                DispatchQueue.main.async { form.rejected(group, reason: "\(error)") }
            }
        }
    }

    func seal(app: AppModel) {
        guard let id = visitId, let store = app.store else { return }
        app.queue.async {
            let text: String
            do {
                try store.finish(visitId: id, atMs: FieldVisit.nowMs())
                let sealed = try store.seal(visitId: id, nowMs: FieldVisit.nowMs())
                text = "已封存 #\(sealed.seq) \(sealed.level ?? "")"
            } catch let e as FieldVisitError {
                text = e.message
            } catch {
                text = "\(error)"
            }
            DispatchQueue.main.async { self.message = text }
        }
    }
}

struct VisitView: View {
    let householdId: String
    let categoryCode: String
    @EnvironmentObject var app: AppModel
    @StateObject private var model = VisitModel()
    @State private var cameraItem: String?

    var body: some View {
        Form {
            if let form = model.form {
                ForEach(model.levels, id: \.score) { level in
                    Text("\(level.score): \(level.level)")
                }
                ForEach(form.visibleSections) { section in
                    Section(section.title) {
                        ForEach(section.items) { item in
                            ItemView(item: item, form: form, model: model, cameraItem: $cameraItem)
                        }
                    }
                }
                Button("完成并封存 / finish and seal") { model.seal(app: app) }
            }
            if let message = model.message {
                Text(message)
            }
        }
        .onAppear { model.start(app: app, householdId: householdId, categoryCode: categoryCode) }
        .sheet(item: Binding(get: { cameraItem.map(CameraTarget.init) }, set: { cameraItem = $0?.id })) { target in
            CameraView { jpeg in
                model.attach(app: app, item: target.id, jpeg: jpeg)
                cameraItem = nil
            }
        }
    }
}

struct CameraTarget: Identifiable {
    let id: String
}

/// One item at `path` (`item`, or `group[n].item` inside a repeat group's entry).
struct ItemView: View {
    let item: FormItem
    let path: String
    @ObservedObject var form: FormState
    let model: VisitModel
    @Binding var cameraItem: String?
    @EnvironmentObject var app: AppModel
    @State private var text = ""

    init(item: FormItem, path: String? = nil, form: FormState, model: VisitModel, cameraItem: Binding<String?>) {
        self.item = item
        self.path = path ?? item.id
        self.form = form
        self.model = model
        self._cameraItem = cameraItem
    }

    var body: some View {
        VStack(alignment: .leading) {
            Text(item.label + (item.required ? " *" : ""))
            switch item.type {
            case "yes_no":
                Toggle("是", isOn: Binding(
                    get: { form.answers[path] == .bool(value: true) },
                    set: { model.answer(app: app, path: path, value: .bool(value: $0)) }))
            case "single_choice":
                Picker(item.label, selection: Binding(
                    get: { form.inputText(path) },
                    set: { model.answer(app: app, path: path, value: .choice(value: $0)) })) {
                    ForEach(item.options, id: \.value) { option in
                        Text(option.label).tag(option.value)
                    }
                }
            case "photo":
                Button("拍照 / take photo (\(form.photos[path]?.count ?? 0))") { cameraItem = path }
            case "repeat":
                AnyView(GroupView(group: item, form: form, model: model, cameraItem: $cameraItem))
            case "investigators":
                InvestigatorsView(path: path, form: form, model: model)
            default:
                TextField(item.unit ?? "", text: $text, onCommit: {
                    model.answer(app: app, path: path, value: form.input(item, text))
                })
                .onAppear { text = form.inputText(path) }
            }
            if let error = form.errors[path] {
                Text(error).font(.caption).foregroundColor(.red)
            }
        }
    }
}

/// An investigators item: the station's staff as toggles, and a field for the names of anyone not on
/// the list (comma-separated). Every change sends the whole list.
struct InvestigatorsView: View {
    let path: String
    @ObservedObject var form: FormState
    @ObservedObject var model: VisitModel
    @EnvironmentObject var app: AppModel
    @State private var typed = ""

    private var people: [Investigator] {
        if case .investigators(let people)? = form.answers[path] { return people }
        return []
    }

    private func send(picked: [StaffMember], typed: String) {
        let value = FormState.investigators(picked: picked, typed: typed.components(separatedBy: ","))
        model.answer(app: app, path: path, value: value)
    }

    var body: some View {
        let pickedIds = Set(people.compactMap { $0.staffId })
        let picked = model.staff.filter { pickedIds.contains($0.id) }
        VStack(alignment: .leading) {
            ForEach(model.staff, id: \.id) { member in
                Toggle(member.name, isOn: Binding(
                    get: { pickedIds.contains(member.id) },
                    set: { on in
                        send(picked: on ? picked + [member] : picked.filter { $0.id != member.id }, typed: typed)
                    }))
            }
            TextField("名单外人员，逗号分隔 / others, comma-separated", text: $typed, onCommit: {
                send(picked: picked, typed: typed)
            })
            .onAppear {
                typed = people.filter { $0.staffId == nil }.map { $0.name }.joined(separator: ", ")
            }
        }
    }
}

/// A repeat group: each entry with its shown items and a remove button, then "add entry". An entry
/// reaches the core with its first answer.
struct GroupView: View {
    let group: FormItem
    @ObservedObject var form: FormState
    let model: VisitModel
    @Binding var cameraItem: String?
    @EnvironmentObject var app: AppModel

    var body: some View {
        VStack(alignment: .leading) {
            ForEach(0..<form.instances(group.id), id: \.self) { n in
                HStack {
                    Text("\(group.label) \(n + 1)").font(.headline)
                    Spacer()
                    Button("删除 / remove") { model.removeInstance(app: app, group: group.id, n: n) }
                }
                ForEach(group.items.filter { form.isVisible(group.id, n, $0) }) { child in
                    AnyView(ItemView(
                        item: child, path: "\(group.id)[\(n)].\(child.id)", form: form, model: model,
                        cameraItem: $cameraItem))
                }
            }
            if form.canAddInstance(group) {
                Button("添加 / add entry: \(group.label)") { form.addInstance(group) }
            }
        }
    }
}

/// The system camera; hands back a JPEG for the core (which resizes and encrypts it).
struct CameraView: UIViewControllerRepresentable {
    let onJPEG: (Data) -> Void

    func makeUIViewController(context: Context) -> UIImagePickerController {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ controller: UIImagePickerController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onJPEG: onJPEG) }

    final class Coordinator: NSObject, UIImagePickerControllerDelegate, UINavigationControllerDelegate {
        let onJPEG: (Data) -> Void

        init(onJPEG: @escaping (Data) -> Void) { self.onJPEG = onJPEG }

        func imagePickerController(
            _ picker: UIImagePickerController,
            didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]
        ) {
            if let image = info[.originalImage] as? UIImage, let jpeg = image.jpegData(compressionQuality: 0.9) {
                onJPEG(jpeg)
            }
            picker.dismiss(animated: true)
        }
    }
}
