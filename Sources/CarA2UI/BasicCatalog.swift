/// The official A2UI v0.9 basic catalog: 18 components and 14 functions. A strict renderer
/// holding only this catalog rejects anything else, so surfaces created on it are held to it.
extension A2UICatalog {
    public static let basicID = "https://a2ui.org/specification/v0_9/catalogs/basic/catalog.json"

    public static let basic = A2UICatalog(id: basicID, components: basicComponents, functions: basicFunctions)

    static let justify = A2UIValueType.enumeration(["center", "end", "spaceAround", "spaceBetween", "spaceEvenly", "start", "stretch"])
    static let align = A2UIValueType.enumeration(["start", "center", "end", "stretch"])
    static let checks = A2UIValueType.array(of: .object(A2UIObjectType(["condition": .dynamicBoolean, "message": .string],
                                                                      required: ["condition", "message"])))
    static let options = A2UIValueType.array(of: .object(A2UIObjectType(["label": .dynamicString, "value": .string],
                                                                        required: ["label", "value"])))

    static let basicComponents: [A2UIComponentType] = [
        A2UIComponentType("Text", ["text": .dynamicString, "variant": .enumeration(["h1", "h2", "h3", "h4", "h5", "caption", "body"])],
                          required: ["text"]),
        A2UIComponentType("Image", ["url": .dynamicString, "description": .dynamicString,
                                    "fit": .enumeration(["contain", "cover", "fill", "none", "scaleDown"]),
                                    "variant": .enumeration(["icon", "avatar", "smallFeature", "mediumFeature", "largeFeature", "header"])],
                          required: ["url"]),
        A2UIComponentType("Icon", ["name": .icon(iconNames)], required: ["name"]),
        A2UIComponentType("Video", ["url": .dynamicString], required: ["url"]),
        A2UIComponentType("AudioPlayer", ["url": .dynamicString, "description": .dynamicString], required: ["url"]),
        A2UIComponentType("Row", ["children": .childList, "justify": justify, "align": align], required: ["children"]),
        A2UIComponentType("Column", ["children": .childList, "justify": justify, "align": align], required: ["children"]),
        A2UIComponentType("List", ["children": .childList, "direction": .enumeration(["vertical", "horizontal"]), "align": align],
                          required: ["children"]),
        A2UIComponentType("Card", ["child": .componentID], required: ["child"]),
        A2UIComponentType("Tabs", ["tabs": .array(of: .object(A2UIObjectType(["title": .dynamicString, "child": .componentID],
                                                                          required: ["title", "child"])), minItems: 1)],
                          required: ["tabs"]),
        A2UIComponentType("Modal", ["trigger": .componentID, "content": .componentID], required: ["trigger", "content"]),
        A2UIComponentType("Divider", ["axis": .enumeration(["vertical", "horizontal"])]),
        A2UIComponentType("Button", ["child": .componentID, "variant": .enumeration(["default", "primary", "borderless"]),
                                     "action": .action, "checks": checks],
                          required: ["child", "action"]),
        A2UIComponentType("TextField", ["label": .dynamicString, "value": .dynamicString,
                                        "variant": .enumeration(["longText", "number", "shortText", "obscured"]),
                                        "validationRegexp": .string, "checks": checks],
                          required: ["label"]),
        A2UIComponentType("CheckBox", ["label": .dynamicString, "value": .dynamicBoolean, "checks": checks], required: ["label", "value"]),
        A2UIComponentType("ChoicePicker", ["label": .dynamicString, "variant": .enumeration(["multipleSelection", "mutuallyExclusive"]),
                                           "options": options, "value": .dynamicStringList,
                                           "displayStyle": .enumeration(["checkbox", "chips"]), "filterable": .boolean, "checks": checks],
                          required: ["options", "value"]),
        A2UIComponentType("Slider", ["label": .dynamicString, "min": .number, "max": .number, "value": .dynamicNumber, "checks": checks],
                          required: ["max", "value"]),
        A2UIComponentType("DateTimeInput", ["value": .dynamicString, "enableDate": .boolean, "enableTime": .boolean,
                                            "min": .dynamicString, "max": .dynamicString, "label": .dynamicString, "checks": checks],
                          required: ["value"]),
    ]

    static let iconNames = [
        "accountCircle", "add", "arrowBack", "arrowForward", "attachFile", "calendarToday", "call", "camera", "check", "close",
        "delete", "download", "edit", "event", "error", "fastForward", "favorite", "favoriteOff", "folder", "help", "home", "info",
        "locationOn", "lock", "lockOpen", "mail", "menu", "moreVert", "moreHoriz", "notificationsOff", "notifications", "pause",
        "payment", "person", "phone", "photo", "play", "print", "refresh", "rewind", "search", "send", "settings", "share",
        "shoppingCart", "skipNext", "skipPrevious", "star", "starHalf", "starOff", "stop", "upload", "visibility", "visibilityOff",
        "volumeDown", "volumeMute", "volumeOff", "volumeUp", "warning",
    ]

    static let basicFunctions: [A2UIFunctionType] = [
        A2UIFunctionType("required", returns: "boolean", A2UIObjectType(["value": .any], required: ["value"])),
        A2UIFunctionType("regex", returns: "boolean", A2UIObjectType(["value": .dynamicString, "pattern": .string], required: ["value", "pattern"])),
        A2UIFunctionType("length", returns: "boolean", A2UIObjectType(["value": .dynamicString, "min": .integer(minimum: 0), "max": .integer(minimum: 0)],
                                                                     required: ["value"])),
        A2UIFunctionType("numeric", returns: "boolean", A2UIObjectType(["value": .dynamicNumber, "min": .number, "max": .number],
                                                                      required: ["value"])),
        A2UIFunctionType("email", returns: "boolean", A2UIObjectType(["value": .dynamicString], required: ["value"])),
        A2UIFunctionType("formatString", returns: "string", A2UIObjectType(["value": .dynamicString], required: ["value"])),
        A2UIFunctionType("formatNumber", returns: "string", A2UIObjectType(["value": .dynamicNumber, "decimals": .dynamicNumber, "grouping": .dynamicBoolean],
                                                                          required: ["value"])),
        A2UIFunctionType("formatCurrency", returns: "string", A2UIObjectType(["value": .dynamicNumber, "currency": .dynamicString,
                                                                              "decimals": .dynamicNumber, "grouping": .dynamicBoolean],
                                                                            required: ["value", "currency"])),
        A2UIFunctionType("formatDate", returns: "string", A2UIObjectType(["value": .dynamicValue, "format": .dynamicString], required: ["value", "format"])),
        A2UIFunctionType("pluralize", returns: "string", A2UIObjectType(["value": .dynamicNumber, "zero": .dynamicString, "one": .dynamicString,
                                                                         "two": .dynamicString, "few": .dynamicString, "many": .dynamicString,
                                                                         "other": .dynamicString],
                                                                       required: ["value", "other"])),
        A2UIFunctionType("openUrl", returns: "void", A2UIObjectType(["url": .string], required: ["url"])),
        A2UIFunctionType("and", returns: "boolean", A2UIObjectType(["values": .array(of: .dynamicBoolean, minItems: 2)], required: ["values"])),
        A2UIFunctionType("or", returns: "boolean", A2UIObjectType(["values": .array(of: .dynamicBoolean, minItems: 2)], required: ["values"])),
        A2UIFunctionType("not", returns: "boolean", A2UIObjectType(["value": .dynamicBoolean], required: ["value"])),
    ]
}
