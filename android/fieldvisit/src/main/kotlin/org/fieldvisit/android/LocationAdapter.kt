package org.fieldvisit.android

import android.annotation.SuppressLint
import android.content.Context
import android.location.Location
import android.os.Build
import com.google.android.gms.location.LocationServices
import com.google.android.gms.location.Priority
import com.google.android.gms.tasks.CancellationTokenSource
import uniffi.fieldvisit_core.GeoPoint
import uniffi.fieldvisit_ffi.GpsFixRecord

/** Takes the GPS fix a visit starts with, including the platform's mock-location flag. */
class LocationAdapter(context: Context) {
    private val client = LocationServices.getFusedLocationProviderClient(context)

    /** Asks for one fresh high-accuracy fix; `onFix(null)` when none is available. Needs the fine
     *  location permission (the sample app asks for it before starting a visit). */
    @SuppressLint("MissingPermission")
    fun currentFix(onFix: (GpsFixRecord?) -> Unit) {
        client.getCurrentLocation(Priority.PRIORITY_HIGH_ACCURACY, CancellationTokenSource().token)
            .addOnSuccessListener { onFix(it?.let(::toFix)) }
            .addOnFailureListener { onFix(null) }
    }

    companion object {
        /** A platform location as the core's fix record; times in epoch milliseconds. */
        fun toFix(l: Location) = GpsFixRecord(
            point = GeoPoint(l.latitude, l.longitude),
            accuracyM = l.accuracy.toDouble(),
            fixTimeMs = l.time,
            mock = if (Build.VERSION.SDK_INT >= 31) l.isMock else @Suppress("DEPRECATION") l.isFromMockProvider,
        )
    }
}
