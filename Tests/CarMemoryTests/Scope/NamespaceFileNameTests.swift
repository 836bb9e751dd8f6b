import CarMemory
import Testing

@Suite("namespace file names")
struct NamespaceFileNameTests {
    @Test func lowercasePercentEncodingOfUTF8Bytes() {
        #expect(NamespaceFileName.encode("myapp-42_v1.0") == "myapp-42_v1.0")
        #expect(NamespaceFileName.encode("MyApp") == "%4dy%41pp")
        #expect(NamespaceFileName.encode("a/b") == "a%2fb")
        #expect(NamespaceFileName.encode("100%") == "100%25")
        #expect(NamespaceFileName.encode("é") == "%c3%a9")
        #expect(NamespaceFileName.encode("..") == "..")
    }

    @Test func distinctNamesNeverShareAFile() {
        let names = ["A", "a", "%41", "%2541", "a b", "a%20b", "a/b", "a%2fb", "", " "]
        #expect(Set(names.map(NamespaceFileName.encode)).count == names.count)
        for name in names { #expect(!NamespaceFileName.encode(name).contains("/")) }
    }

    @Test func snapshotsLiveUnderTheNamespaceFolder() {
        #expect(NamespaceFileName.logPath(root: "/home/u/.car/memory", namespace: "Proj") == "/home/u/.car/memory/memory-namespaces/%50roj.jsonl")
        #expect(NamespaceFileName.legacySnapshotPath(root: "/home/u/.car/memory", namespace: "Proj") == "/home/u/.car/memory/memory-namespaces/%50roj.json")
    }
}
