namespace Scheduler.Domain;

/// <summary>
/// One reason an input is invalid, named by the API field it concerns (camelCase, with an index
/// prefix such as "[2].startTime" for list items), so the web layer only translates it into a
/// 400 problem's "errors".
/// </summary>
public sealed record FieldError(string Field, string Message);
