import LogStoreFormat

/// Kubernetes metadata from the path of a container log file, as the kubelet names them:
///
/// - `/var/log/containers/POD_NAMESPACE_CONTAINER-ID.log` (ID: 64 hexadecimal digits) gives
///   `k8s.pod`, `k8s.namespace`, `k8s.container` and `k8s.container_id`;
/// - `/var/log/pods/NAMESPACE_POD_UID/CONTAINER/N.log` gives `k8s.namespace`, `k8s.pod`, `k8s.pod_uid`
///   and `k8s.container`.
///
/// Other paths give no metadata. Pod, namespace and container names cannot hold `_`, so the split is exact.
public struct KubernetesPath: Sendable, Hashable {
    public var namespace: String
    public var pod: String
    public var container: String
    /// The container ID (`/var/log/containers`) or nil.
    public var containerID: String?
    /// The pod UID (`/var/log/pods`) or nil.
    public var podUID: String?

    /// The metadata of `path`, or nil when it is not a kubelet container log path.
    public init?(path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let file = parts.last, file.hasSuffix(".log") else { return nil }
        if parts.count >= 2, parts[parts.count - 2] == "containers" {
            let name = file.dropLast(4)
            let fields = name.split(separator: "_", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty, !fields[1].isEmpty, let dash = fields[2].lastIndex(of: "-") else { return nil }
            let id = fields[2][fields[2].index(after: dash)...]
            let container = fields[2][..<dash]
            guard id.count == 64, id.allSatisfy(\.isHexDigit), !container.isEmpty else { return nil }
            pod = String(fields[0])
            namespace = String(fields[1])
            self.container = String(container)
            containerID = String(id)
            podUID = nil
            return
        }
        if parts.count >= 4, parts[parts.count - 4] == "pods" {
            let fields = parts[parts.count - 3].split(separator: "_", omittingEmptySubsequences: false)
            guard fields.count == 3, fields.allSatisfy({ !$0.isEmpty }) else { return nil }
            namespace = String(fields[0])
            pod = String(fields[1])
            podUID = String(fields[2])
            container = String(parts[parts.count - 2])
            containerID = nil
            return
        }
        return nil
    }

    /// The metadata as record attributes (`k8s.pod`, `k8s.namespace`, `k8s.container`, then the ID or UID).
    public var attributes: [Attribute] {
        var out = [Attribute("k8s.pod", .string(pod)), Attribute("k8s.namespace", .string(namespace)),
                   Attribute("k8s.container", .string(container))]
        if let containerID { out.append(Attribute("k8s.container_id", .string(containerID))) }
        if let podUID { out.append(Attribute("k8s.pod_uid", .string(podUID))) }
        return out
    }
}
