import ArgumentParser

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a GGUF file's metadata, quant mix and tensor table.")

    @Argument(help: "The GGUF file.")
    var file: String

    func run() async throws {
        print(file)
    }
}
