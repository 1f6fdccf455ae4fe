// The node's process tests use Unix signals and file modes: Linux only, like the node's CI.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
