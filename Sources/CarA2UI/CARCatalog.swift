/// The CAR catalog: the basic catalog's 18 components and functions plus six of CAR's own
/// (Select, Chart, File, FilePicker, Spacer, Badge), under an id of its own so a surface that
/// uses them is never sent to a renderer holding only the basic catalog.
extension A2UICatalog {
    public static let carID = "https://parslee.ai/car/a2ui/v0_9/catalog.json"

    public static let car = A2UICatalog(id: carID, components: basicComponents + carComponents, functions: basicFunctions)

    static let carComponents: [A2UIComponentType] = [
        A2UIComponentType("Select", ["label": .dynamicString, "options": options, "value": .dynamicString,
                                     "placeholder": .dynamicString, "checks": checks],
                          required: ["options", "value"]),
        A2UIComponentType("Chart", ["variant": .enumeration(["bar", "line", "area", "pie"]), "title": .dynamicString,
                                    "data": .dynamic(literal: .array(of: .object(A2UIObjectType(["label": .string, "value": .number],
                                                                                             required: ["label", "value"]))),
                                                     returns: "array"),
                                    "xLabel": .dynamicString, "yLabel": .dynamicString],
                          required: ["data"]),
        A2UIComponentType("File", ["url": .dynamicString, "name": .dynamicString, "mimeType": .string, "size": .number], required: ["url"]),
        A2UIComponentType("FilePicker", ["label": .dynamicString, "value": .dynamicStringList, "accept": .string,
                                         "multiple": .boolean, "action": .action],
                          required: ["label"]),
        A2UIComponentType("Spacer", ["size": .number]),
        A2UIComponentType("Badge", ["text": .dynamicString, "variant": .enumeration(["default", "info", "success", "warning", "error"])],
                          required: ["text"]),
    ]
}
