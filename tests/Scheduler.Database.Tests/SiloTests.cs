using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Scheduler.Database.Tests;

/// <summary>A real silo and client on the migrated database: what the rest of Scheduler relies on.</summary>
public sealed class SiloTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    private readonly StoredQueries _sql = new(fixture.Database.ConnectionString);

    [Fact]
    public async Task The_silo_is_listed_as_active_in_the_membership_table()
    {
        var active = await _sql.ScalarAsync<long>(
            "select count(*) from orleans_membership where deployment_id = @cluster and status = 3 and proxy_port > 0",
            ("cluster", fixture.ClusterId));

        Assert.Equal(1L, active);
    }

    [Fact]
    public async Task Grain_state_written_before_deactivation_is_read_back_by_the_next_activation()
    {
        var grain = fixture.Client.GetGrain<IProfileGrain>("user-" + Guid.NewGuid().ToString("N"));
        await grain.SetName("Ada");
        await grain.SetName("Ada Lovelace");
        var firstActivation = await grain.GetActivationId();

        await grain.Deactivate();
        var name = await grain.GetName();

        Assert.NotEqual(firstActivation, await grain.GetActivationId());
        Assert.Equal("Ada Lovelace", name);
        var stored = await _sql.ScalarAsync<string>(
            "select convert_from(payload, 'UTF8') from orleans_storage where service_id = @service and grain_type = 'profile' " +
            "and grain_id_extension = @key",
            ("service", fixture.ServiceId), ("key", grain.GetPrimaryKeyString()));
        Assert.Contains("\"Ada Lovelace\"", stored); // plain System.Text.Json, readable from SQL
    }

    [Fact]
    public async Task Two_grain_classes_with_the_same_key_keep_separate_rows()
    {
        var key = "user-" + Guid.NewGuid().ToString("N");
        await fixture.Client.GetGrain<IProfileGrain>(key).SetName("Grace");
        await fixture.Client.GetGrain<INotesGrain>(key).Add("call back");

        Assert.Equal("Grace", await fixture.Client.GetGrain<IProfileGrain>(key).GetName());
        Assert.Equal(["call back"], await fixture.Client.GetGrain<INotesGrain>(key).List());
        var rows = await _sql.ScalarAsync<long>(
            "select count(*) from orleans_storage where service_id = @service and grain_id_extension = @key",
            ("service", fixture.ServiceId), ("key", key));
        Assert.Equal(2L, rows);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_raises_InconsistentStateException()
    {
        var storage = fixture.Silo.Services.GetRequiredKeyedService<IGrainStorage>(SiloFixture.StorageName);
        var grainId = GrainId.Create("profile", "user-" + Guid.NewGuid().ToString("N"));

        var first = new GrainState<ProfileState>(new ProfileState { Name = "first" });
        await storage.WriteStateAsync("profile", grainId, first);
        var staleCopy = new GrainState<ProfileState>(new ProfileState { Name = "stale" }) { ETag = first.ETag, RecordExists = true };
        first.State = new ProfileState { Name = "second" };
        await storage.WriteStateAsync("profile", grainId, first);

        // A second activation that never saw the row, and one that saw an older version.
        var neverRead = new GrainState<ProfileState>(new ProfileState { Name = "racer" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("profile", grainId, neverRead));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("profile", grainId, staleCopy));

        var read = new GrainState<ProfileState>(new ProfileState());
        await storage.ReadStateAsync("profile", grainId, read);
        Assert.Equal("second", read.State?.Name);
        Assert.Equal(first.ETag, read.ETag);
    }

    [Fact]
    public async Task Clearing_state_keeps_the_etag_chain_going()
    {
        var storage = fixture.Silo.Services.GetRequiredKeyedService<IGrainStorage>(SiloFixture.StorageName);
        var grainId = GrainId.Create("profile", "user-" + Guid.NewGuid().ToString("N"));
        var state = new GrainState<ProfileState>(new ProfileState { Name = "temporary" });
        await storage.WriteStateAsync("profile", grainId, state);
        var beforeClear = state.ETag;

        await storage.ClearStateAsync("profile", grainId, state);

        Assert.False(state.RecordExists);
        Assert.NotEqual(beforeClear, state.ETag);
        var read = new GrainState<ProfileState>(new ProfileState());
        await storage.ReadStateAsync("profile", grainId, read);
        Assert.Null(read.State?.Name);
        Assert.False(read.RecordExists);
        state.State = new ProfileState { Name = "back again" };
        await storage.WriteStateAsync("profile", grainId, state);
    }

    [Fact]
    public async Task A_reminder_can_be_registered_listed_and_unregistered()
    {
        var alarm = fixture.Client.GetGrain<IAlarmGrain>("alarm-" + Guid.NewGuid().ToString("N"));

        await alarm.Arm("wake-up");
        await alarm.Arm("stand-up");
        Assert.Equal(["stand-up", "wake-up"], await alarm.ListArmed());
        Assert.Equal(2L, await CountRemindersAsync());

        await alarm.Disarm("wake-up");

        Assert.Equal(["stand-up"], await alarm.ListArmed());
        Assert.Equal(1L, await CountRemindersAsync());

        Task<long> CountRemindersAsync() => _sql.ScalarAsync<long>(
            "select count(*) from orleans_reminders where service_id = @service and grain_id like '%' || @key",
            ("service", fixture.ServiceId), ("key", alarm.GetPrimaryKeyString()));
    }
}
