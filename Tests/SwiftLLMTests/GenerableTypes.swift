import SwiftLLM

// Fifty @Generable types for `GenerableTests`: flat, nested, optional, arrays, enums and ranges.

@Generable enum Color { case red, green, blue, yellow }
@Generable enum Size { case small, medium, large }
@Generable enum Weekday { case monday, tuesday, wednesday, thursday, friday, saturday, sunday }
@Generable enum Priority { case low, normal, high, urgent }
@Generable enum Mood { case happy, calm, sad, angry }
@Generable enum Unit { case grams, liters, pieces, cups }
@Generable enum Genre { case fiction, science, history, poetry }
@Generable enum Sport { case football, tennis, chess, swimming }

@Generable(description: "A person's contact card")
struct Contact {
    @Guide(description: "full name") var name: String
    @Guide(.range(0...120)) var age: Int
    var email: String?
}

@Generable struct Book {
    var title: String
    var author: String
    @Guide(.range(1450...2025)) var year: Int
    @Guide(.range(1...2000)) var pages: Int
}

@Generable struct CityFact { var name: String; var country: String; @Guide(.minimum(0)) var population: Int }
@Generable struct Product { var name: String; @Guide(.range(0.0...10000.0)) var price: Double; var inStock: Bool }
@Generable struct Movie {
    var title: String
    @Guide(.range(1900...2030)) var year: Int
    @Guide(.range(0.0...10.0)) var rating: Double
    @Guide(.count(1...3)) var genres: [String]
}
@Generable struct Address { var street: String; var city: String; @Guide(.pattern("[0-9]{5}")) var zip: String }
@Generable struct Resident { var name: String; var address: Address }
@Generable struct Company { var name: String; @Guide(.count(1...2)) var employees: [Resident] }
@Generable struct Ingredient { var name: String; @Guide(.range(0.0...1000.0)) var quantity: Double; var unit: Unit }
@Generable struct Recipe {
    var name: String
    @Guide(.count(1...4)) var ingredients: [Ingredient]
    @Guide(.count(1...3)) var steps: [String]
}
@Generable struct Task1 { var title: String; var priority: Priority; var done: Bool }
@Generable struct TodoList { var owner: String; @Guide(.count(1...4)) var tasks: [Task1] }
@Generable struct Pet { var name: String; var species: String; @Guide(.range(0...40)) var age: Int; var nickname: String? }
@Generable struct Shirt { var color: Color; var size: Size; @Guide(.range(5.0...200.0)) var price: Double }
@Generable struct Meeting { var topic: String; var day: Weekday; @Guide(.range(0...23)) var hour: Int }
@Generable struct Diary { var day: Weekday; var mood: Mood; var note: String? }
@Generable struct Scores { var player: String; @Guide(.count(3), .range(0...100)) var scores: [Int] }
@Generable struct Palette { var name: String; @Guide(.count(1...3)) var colors: [Color] }
@Generable struct Point { var x: Double; var y: Double }
@Generable struct Line { var start: Point; var end: Point }
@Generable struct Polygon { var name: String; @Guide(.count(3...4)) var corners: [Point] }
@Generable struct Temperature { var city: String; @Guide(.range(-60.0...60.0)) var celsius: Double }
@Generable struct Forecast { var day: Weekday; var high: Temperature; var low: Temperature }
@Generable struct Library { var name: String; @Guide(.count(1...2)) var books: [Book] }
@Generable struct Review { @Guide(.range(1...5)) var stars: Int; var text: String; var recommended: Bool }
@Generable struct Album { var artist: String; var title: String; @Guide(.count(1...3)) var tracks: [String]; var year: Int? }
@Generable struct Flight { @Guide(.pattern("[A-Z]{2}[0-9]{3}")) var number: String; var from: String; var to: String }
@Generable struct Trip { var traveller: String; @Guide(.count(1...2)) var flights: [Flight] }
@Generable struct Student { var name: String; @Guide(.range(1...12)) var grade: Int; var favoriteSport: Sport? }
@Generable struct Classroom { var teacher: String; @Guide(.count(1...3)) var students: [Student] }
@Generable struct Invoice { var customer: String; @Guide(.count(1...3)) var items: [Product]; var paid: Bool }
@Generable struct Settings { var darkMode: Bool; @Guide(.range(8...32)) var fontSize: Int; var language: String? }
@Generable struct Coordinates { @Guide(.range(-90.0...90.0)) var latitude: Double; @Guide(.range(-180.0...180.0)) var longitude: Double }
@Generable struct Landmark { var name: String; var location: Coordinates; var builtYear: Int? }
@Generable struct Tagged { var title: String; @Guide(.count(0...3)) var tags: [String] }
@Generable struct Bookshelf { var genre: Genre; @Guide(.count(1...3)) var titles: [String] }
@Generable struct Garden { var owner: String; @Guide(.count(1...3), .anyOf(["rose", "tulip", "daisy", "lily"])) var flowers: [String] }
@Generable struct Vote { var question: String; @Guide(.anyOf(["yes", "no", "abstain"])) var answer: String }
@Generable struct Password { var user: String; @Guide(.pattern("[a-z]{4}[0-9]{2}")) var hint: String }
@Generable struct Matrix { @Guide(.count(2)) var rows: [[Int]] }
@Generable struct Team { var name: String; var sport: Sport; @Guide(.count(2...3)) var players: [String]; var captain: String? }
@Generable struct Score { var home: Int; var away: Int }
@Generable struct Match { var home: Team; var away: Team; var result: Score? }
@Generable struct Optionals { var a: String?; var b: Int?; var c: Bool?; var d: [String]? }
@Generable struct Dimensions { @Guide(.range(0.0...100.0)) var width: Double; @Guide(.range(0.0...100.0)) var height: Double; var unit: String }
@Generable struct Package { var label: String; var size: Dimensions; @Guide(.range(0.0...50.0)) var weightKg: Double }
