import CoreLocation
import Foundation
import FieldVisitFFI

/// Takes the one GPS fix a visit starts with, including iOS's simulated-location flag.
public final class LocationAdapter: NSObject, CLLocationManagerDelegate {
    private let manager = CLLocationManager()
    private var pending: ((GpsFixRecord?) -> Void)?

    public override init() {
        super.init()
        manager.delegate = self
        manager.desiredAccuracy = kCLLocationAccuracyBest
    }

    /// Asks for permission when needed and delivers one fix, or nil when none is available.
    public func currentFix(_ done: @escaping (GpsFixRecord?) -> Void) {
        pending = done
        if manager.authorizationStatus == .notDetermined {
            manager.requestWhenInUseAuthorization()
        }
        manager.requestLocation()
    }

    /// A platform location as the core's fix record; times in epoch milliseconds.
    public static func fix(from location: CLLocation) -> GpsFixRecord {
        let simulated = location.sourceInformation?.isSimulatedBySoftware ?? false
        return GpsFixRecord(
            point: GeoPoint(lat: location.coordinate.latitude, lon: location.coordinate.longitude),
            accuracyM: location.horizontalAccuracy,
            fixTimeMs: Int64(location.timestamp.timeIntervalSince1970 * 1000),
            mock: simulated
        )
    }

    public func locationManager(_ manager: CLLocationManager, didUpdateLocations locations: [CLLocation]) {
        let done = pending
        pending = nil
        done?(locations.last.map(LocationAdapter.fix(from:)))
    }

    public func locationManager(_ manager: CLLocationManager, didFailWithError error: Error) {
        let done = pending
        pending = nil
        done?(nil)
    }
}
