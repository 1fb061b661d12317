/// The snapshots of a response as it is generated (`LanguageModelSession.streamResponse`).
/// Iterating it runs the generation; stopping early (or cancelling the iterating task) stops
/// generation within one decode step.
public struct ResponseStream: AsyncSequence, Sendable {
    /// The response so far.
    public struct Snapshot: Sendable, Equatable {
        /// All the text generated so far.
        public var content: String
        /// The text this snapshot added.
        public var delta: String
    }

    enum Event: Sendable {
        case snapshot(Snapshot)
        case done(Response<String>)
    }

    let events: AsyncThrowingStream<Event, Error>

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<Event, Error>.AsyncIterator

        public mutating func next() async throws -> Snapshot? {
            while let event = try await base.next() {
                if case .snapshot(let snapshot) = event { return snapshot }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: events.makeAsyncIterator())
    }

    /// Runs the generation to its end and returns the whole response (usage included): use it
    /// instead of iterating (a stream has one consumer).
    public func collect() async throws -> Response<String> {
        for try await event in events {
            if case .done(let response) = event { return response }
        }
        throw CancellationError()
    }
}
