// swift-tools-version:5.9
// FieldVisit for iOS: the Rust core as an XCFramework (built by build-xcframework.sh on macOS), the
// uniffi-generated Swift (scripts/gen-bindings.sh), and a thin Swift layer with the Keychain key
// provider, the CoreLocation adapter and the form state.
import PackageDescription

let package = Package(
    name: "FieldVisit",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "FieldVisit", targets: ["FieldVisit"]),
    ],
    targets: [
        .binaryTarget(name: "FieldVisitCore", path: "build/FieldVisitCore.xcframework"),
        .target(
            name: "FieldVisitFFI",
            dependencies: ["FieldVisitCore"],
            path: "Sources/FieldVisitFFI",
            exclude: ["README.md"]
        ),
        .target(name: "FieldVisit", dependencies: ["FieldVisitFFI"], path: "Sources/FieldVisit"),
    ]
)
