/// The version of this DAMC implementation, shown by `--version` and
/// `damcctl show version`.
public enum DAMCVersion {
    public static let string = "0.1.0"
}
