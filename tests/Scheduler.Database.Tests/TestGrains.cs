namespace Scheduler.Database.Tests;

// Grains used only to drive the real ADO.NET providers. Each grain class has its own state name,
// because the state name (not the class) is what the storage row is keyed by (orleans#8746).

[GenerateSerializer, Alias("dbtests.ProfileState")]
public sealed class ProfileState
{
    [Id(0)] public string? Name { get; set; }
}

[GenerateSerializer, Alias("dbtests.NotesState")]
public sealed class NotesState
{
    [Id(0)] public List<string> Notes { get; set; } = [];
}

[Alias("dbtests.IProfileGrain")]
public interface IProfileGrain : IGrainWithStringKey
{
    [Alias("SetName")] Task SetName(string name);
    [Alias("GetName")] Task<string?> GetName();
    [Alias("GetActivationId")] Task<Guid> GetActivationId();
    [Alias("Deactivate")] Task Deactivate();
}

public sealed class ProfileGrain([PersistentState("profile", "store")] IPersistentState<ProfileState> profile)
    : Grain, IProfileGrain
{
    private readonly Guid _activationId = Guid.NewGuid();

    public async Task SetName(string name)
    {
        profile.State.Name = name;
        await profile.WriteStateAsync();
    }

    public Task<string?> GetName() => Task.FromResult(profile.State.Name);

    public Task<Guid> GetActivationId() => Task.FromResult(_activationId);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

[Alias("dbtests.INotesGrain")]
public interface INotesGrain : IGrainWithStringKey
{
    [Alias("Add")] Task Add(string note);
    [Alias("List")] Task<List<string>> List();
}

public sealed class NotesGrain([PersistentState("notes", "store")] IPersistentState<NotesState> notes)
    : Grain, INotesGrain
{
    public async Task Add(string note)
    {
        notes.State.Notes.Add(note);
        await notes.WriteStateAsync();
    }

    public Task<List<string>> List() => Task.FromResult(notes.State.Notes);
}

[Alias("dbtests.IAlarmGrain")]
public interface IAlarmGrain : IGrainWithStringKey
{
    [Alias("Arm")] Task Arm(string name);
    [Alias("ListArmed")] Task<List<string>> ListArmed();
    [Alias("Disarm")] Task Disarm(string name);
}

public sealed class AlarmGrain : Grain, IAlarmGrain, IRemindable
{
    // Far in the future: the test is about the reminder table, not about firing.
    public Task Arm(string name) => this.RegisterOrUpdateReminder(name, TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));

    public async Task<List<string>> ListArmed() =>
        (await this.GetReminders()).Select(r => r.ReminderName).Order(StringComparer.Ordinal).ToList();

    public async Task Disarm(string name)
    {
        var reminder = await this.GetReminder(name) ?? throw new InvalidOperationException($"No reminder {name}.");
        await this.UnregisterReminder(reminder);
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
