{
  "targets": [
    {
      "target_name": "recipient_probe",
      "sources": ["sidecar/native/recipient-probe.c", "sidecar/native/huge-pages.c", "sidecar/native/batch-scan.c", "sidecar/native/file-pages.c", "sidecar/native/shared-map.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"]
    }
  ]
}
