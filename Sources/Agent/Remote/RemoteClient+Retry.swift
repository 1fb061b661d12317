import Foundation

extension RemoteClient {
    /// A failed attempt: the error, whether it is worth retrying, and how long the server asked
    /// us to wait first.
    struct Failure: Error {
        var error: RemoteError
        var retry: Bool
        var retryAfter: Duration?

        init(_ error: RemoteError, retry: Bool, retryAfter: Duration? = nil) {
            self.error = error
            self.retry = retry
            self.retryAfter = retryAfter
        }
    }

    /// `Retry-After` in seconds (a decimal is accepted); an HTTP date or garbage gives nil, and
    /// the backoff applies instead.
    static func retryAfter(_ header: String) -> Duration? {
        guard let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds >= 0 else { return nil }
        return .milliseconds(Int64(min(seconds, 86_400) * 1000))
    }

    /// Full jitter: uniform in `0...min(backoffMax, backoffBase · 2^(retry-1))`.
    func backoff(retry: Int) -> Duration {
        let base = configuration.backoffBase.seconds, cap = configuration.backoffMax.seconds
        let ceiling = min(cap, base * pow(2, Double(min(retry - 1, 30))))
        guard ceiling > 0 else { return .zero }
        return .milliseconds(Int64(Double.random(in: 0...ceiling) * 1000))
    }
}
