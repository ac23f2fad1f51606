// Sample app: caseload list, a form screen that renders any template from the core, camera capture
// into the core, sync status. Screens are plain Views built in code; state lives in the library's
// pure-Kotlin view models (org.fieldvisit.viewmodel).
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.fieldvisit.sample"
    compileSdk = 35
    defaultConfig {
        applicationId = "org.fieldvisit.sample"
        minSdk = 26
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    kotlinOptions { jvmTarget = "17" }
}

dependencies {
    implementation(project(":fieldvisit"))
    implementation("androidx.activity:activity-ktx:1.9.3")
    implementation("androidx.core:core-ktx:1.15.0")
    implementation("androidx.lifecycle:lifecycle-runtime-ktx:2.8.7")
    implementation("androidx.work:work-runtime-ktx:2.10.0")
}
