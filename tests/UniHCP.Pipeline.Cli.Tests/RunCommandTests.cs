using UniHCP.Pipeline.Ingest;
using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using UniHCP.Pipeline.Cli.Pipeline;
using UniHCP.Pipeline.Store.Tests;

namespace UniHCP.Pipeline.Cli.Tests;

/// <summary>`unihcp run` end to end: real video through the committed default model, the tracker and a real PostgreSQL.</summary>
public sealed class RunCommandTests(TestDatabase database) : IClassFixture<TestDatabase>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("unihcp-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_sample_video_lands_in_the_database_with_consistent_keys_and_the_summary_counts_what_was_stored()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 10);

        // Identities wait until 200 pairs of people were seen together (the learned thresholds); these 10 frames hold a few.
        var (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"lobby={cut}", "--config",
            Config(""", "Tracking": { "Identities": { "CalibrationPairs": 3 } }"""), "--threshold", Threshold, "--tasks", "reid");

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("frames 10 decoded, 10 analysed", output, StringComparison.Ordinal);
        long observations = Number(output, @"observations (\d+) stored");
        long tracks = Number(output, @"tracks (\d+)");
        long identities = Number(output, @"identities (\d+)");
        Assert.True(observations > 0 && tracks > 0 && identities > 0, "the default model finds and tracks people in the sample video:\n" + output);
        Assert.Contains("infra/unihcp serve", output, StringComparison.Ordinal);
        // The sample's walkers are 20-75 px tall in its 576 rows: small for the detector, which the summary says with
        // the setting that reads them as tiles too.
        Assert.Contains("people were small for the detector on 'lobby' (median ", output, StringComparison.Ordinal);

        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(observations, await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'lobby' and not interpolated"));
        Assert.Equal(tracks, await connection.ExecuteScalarAsync<long>("select count(*) from tracks where camera_id = 'lobby'"));
        Assert.Equal(identities, await connection.ExecuteScalarAsync<long>("select count(*) from identities"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from observations o where o.track_id is not null and not exists (select 1 from tracks t where t.camera_id = o.camera_id and t.track_id = o.track_id)"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from tracks t where t.identity_id is not null and not exists (select 1 from identities i where i.id = t.identity_id)"));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from tracks t where t.n > 0 and not exists (select 1 from thumbnails h where h.camera_id = t.camera_id and h.track_id = t.track_id)"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("select count(*) from model_versions"));
        // ReID runs per followed person (first confirmed sighting, then every 2 s), not per detection: every track
        // still carries an embedding and both clothing colours, from a fraction of the observations.
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from tracks where camera_id = 'lobby' and (embedding_n = 0 or upper_color is null or lower_color is null)"));
        long described = await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'lobby' and embedding is not null");
        Assert.True(described > 0 && described < observations / 2, $"{described} of {observations} observations described");
    }

    [Fact]
    public async Task Several_cameras_run_together_and_a_bad_source_is_reported_while_the_others_complete()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 8);
        string pattern = Path.Combine(_dir, "pattern.mp4");
        await Clips.PatternAsync(pattern, frames: 8);
        string broken = Path.Combine(_dir, "broken.mp4");
        await File.WriteAllTextAsync(broken, "not a video");

        var (exitCode, output, _) = await CliRunner.RunAsync("run", "-s", $"door={cut}", "-s", $"pattern={pattern}", "-s", $"broken={broken}",
            "--config", Config(), "--tasks", "reid", "--threshold", Threshold);

        Assert.Equal(1, exitCode);
        Assert.Matches(@"door\s+completed\s+8", output);
        Assert.Matches(@"pattern\s+completed\s+8", output);
        Assert.Matches(@"broken\s+failed\s+0", output);
        Assert.Contains("frames 16 decoded, 16 analysed", output, StringComparison.Ordinal);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(Number(output, @"observations (\d+) stored"),
            await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id in ('door', 'pattern', 'broken') and not interpolated"));
    }

    [Fact]
    public async Task Over_kafka_the_same_stage_code_stores_the_same_results_as_in_process()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 8);

        // Half size: raw frames of 330 KB, so that all eight fit in the ~5 MB the mock broker keeps per partition.
        var (inProcessCode, inProcess, _) = await CliRunner.RunAsync("run", "-s", $"local={cut}", "--config", Config(), "--threshold", Threshold, "--tasks", "reid", "--width", "384");
        var (kafkaCode, overKafka, kafkaError) = await CliRunner.RunAsync("run", "-s", $"broker={cut}", "--config", Config(), "--threshold", Threshold, "--tasks", "reid", "--width", "384",
            "--transport", "kafka", "--bootstrap", "mock", "--jpeg-quality", "0"); // raw frames: the same pixels, so the same detections

        Assert.Equal(0, inProcessCode);
        Assert.True(kafkaCode == 0, overKafka + kafkaError);
        Assert.Contains("transport: Kafka at librdkafka's mock cluster 127.0.0.1:", overKafka, StringComparison.Ordinal);
        Assert.Contains("frames 8 decoded, 8 analysed", overKafka, StringComparison.Ordinal);
        Assert.True(Number(inProcess, @"observations (\d+) stored") > 0, inProcess);
        Assert.Equal(Number(inProcess, @"observations (\d+) stored"), Number(overKafka, @"observations (\d+) stored"));
        Assert.Equal(Number(inProcess, @"tracks (\d+)"), Number(overKafka, @"tracks (\d+)"));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.Equal(
            await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'local'"),
            await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'broker'"));
        Assert.Equal(
            await connection.ExecuteScalarAsync<long>("select count(*) from tracks where camera_id = 'local'"),
            await connection.ExecuteScalarAsync<long>("select count(*) from tracks where camera_id = 'broker'"));
    }

    [Fact]
    public async Task A_camera_s_ignore_area_drops_the_false_person_standing_in_it_and_nothing_stored_stands_there()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 10);
        // A camera of its own: the other tests of this class store theirs in the same database.
        // The sample's blue sign, which the default model takes for a person in nearly every frame (foot near 36, 138).
        const string sign = """, "Inference": { "IgnoreAreas": { "gate": [ { "Name": "blue sign", "Points": [ { "X": 28, "Y": 130 }, { "X": 44, "Y": 130 }, { "X": 44, "Y": 146 }, { "X": 28, "Y": 146 } ] } ] } }""";

        var (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"gate={cut}", "--config", Config(sign), "--threshold", Threshold, "--tasks", "none");

        Assert.True(exitCode == 0, output + error);
        long ignored = Number(output, @"(\d+) more in ignore areas, dropped");
        Assert.True(ignored >= 8, $"the sign is found in most of the 10 frames:\n{output}");
        await using var connection = await database.DataSource.OpenConnectionAsync();
        Assert.True(await connection.ExecuteScalarAsync<long>("select count(*) from observations where camera_id = 'gate'") > 0);
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>(
            "select count(*) from observations where camera_id = 'gate' and (x1 + x2) / 2 between 28 and 44 and y2 between 130 and 146"));

        // The same area drawn by an operator (the dashboard, the API) for a camera the configuration does not name: the
        // run takes it from the store.
        var sign2 = new UniHCP.Pipeline.Core.Geometry.IgnoreArea { Name = "blue sign", Points = [new(28, 130), new(44, 130), new(44, 146), new(28, 146)] };
        await new UniHCP.Pipeline.Store.Writing.IgnoreAreaStore(database.DataSource).RecordEditedAsync("stall", [sign2], CancellationToken.None);
        (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"stall={cut}", "--config", Config(), "--threshold", Threshold, "--tasks", "none");
        Assert.True(exitCode == 0, output + error);
        Assert.True(Number(output, @"(\d+) more in ignore areas, dropped") >= 8, output);

        // A bad area stops the start, naming the camera and the area.
        const string bad = """, "Inference": { "IgnoreAreas": { "gate": [ { "Name": "line", "Points": [ { "X": 0, "Y": 0 }, { "X": 5, "Y": 5 }, { "X": 9, "Y": 9 } ] } ] } }""";
        (exitCode, _, error) = await CliRunner.RunAsync("run", "--source", $"gate={cut}", "--config", Config(bad));
        Assert.Equal(2, exitCode);
        Assert.Contains("camera 'gate', ignore area 'line': the polygon has no area", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Still_tracks_are_listed_with_ignore_areas_that_a_next_run_takes_as_they_are()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 10);
        var (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"kiosk={cut}", "--config", Config(), "--threshold", Threshold, "--tasks", "none");
        Assert.True(exitCode == 0, output + error);

        // In one second the sign stands still; the walkers move more than a fifth of their height.
        (exitCode, output, error) = await CliRunner.RunAsync("query", "still", "--min-duration", "0.5s", "--camera", "kiosk", "--config", Config());
        Assert.True(exitCode == 0, output + error);
        Assert.Matches(@"kiosk\s+\d+\s+\S+ \S+\s+0\.[5-9] s\s+\d+\s+\(3[4-8], 1(3[5-9]|4[01])\)", output);
        string suggested = Path.Combine(_dir, "suggested.json");
        string fragment = output[output.IndexOf("{ \"Inference\"", StringComparison.Ordinal)..];
        using (var json = System.Text.Json.JsonDocument.Parse(fragment))
        {
            await File.WriteAllTextAsync(suggested, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" }, "Inference": {{json.RootElement.GetProperty("Inference").GetRawText()}} }""");
        }

        (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"kiosk={cut}", "--config", suggested, "--threshold", Threshold, "--tasks", "none");
        Assert.True(exitCode == 0, output + error);
        Assert.True(Number(output, @"(\d+) more in ignore areas, dropped") >= 8, output);

        // A misspelt camera and a window beside the run's activity are told apart from "nobody was there".
        (exitCode, output, error) = await CliRunner.RunAsync("query", "tracks", "--camera", "kiosc", "--config", Config());
        Assert.True(exitCode == 0, output + error);
        Assert.Contains("0 of 0 tracks", output, StringComparison.Ordinal);
        Assert.Contains("note: the store has no camera 'kiosc'; its cameras: ", output, StringComparison.Ordinal);
        Assert.Contains("kiosk", output[output.IndexOf("its cameras", StringComparison.Ordinal)..], StringComparison.Ordinal);
        (exitCode, output, error) = await CliRunner.RunAsync("query", "tracks", "--camera", "kiosk", "--from", "2001-01-01", "--to", "2001-01-02", "--config", Config());
        Assert.True(exitCode == 0, output + error);
        Assert.Contains("note: the window 2001-01-01T00:00:00Z to 2001-01-02T00:00:00Z misses every camera's activity", output, StringComparison.Ordinal);

        (exitCode, _, error) = await CliRunner.RunAsync("query", "still", "--min-duration", "soon", "--config", Config());
        Assert.Equal(2, exitCode);
        Assert.Contains("--min-duration: 'soon' is not a duration", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_restart_remembers_the_camera_s_pairs_of_people_seen_together_and_needs_fewer_new_ones()
    {
        string cut = Path.Combine(_dir, "cut.avi");
        await Clips.SampleCutAsync(cut, frames: 10);
        // A camera of its own (the pairs are remembered per camera and weights). First run: more pairs asked for than
        // the clip holds, and none at the end, so no identities - but the pairs seen are kept.
        var (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"atrium={cut}", "--threshold", Threshold, "--tasks", "reid",
            "--config", Config(""", "Tracking": { "Identities": { "CalibrationPairs": 100000, "EndOfInputPairs": 0 } }"""));
        Assert.True(exitCode == 0, output + error);
        Assert.Equal(0, Number(output, @"identities (\d+)"));
        await using var connection = await database.DataSource.OpenConnectionAsync();
        const string remembered = "select coalesce(max(cardinality(similarities)), 0) from identity_calibration_pairs where camera_id = 'atrium'";
        int pairs = await connection.ExecuteScalarAsync<int>(remembered);
        Assert.True(pairs > 0, "the clip's people are seen together: " + output);

        // Without the memory, one pair more than the clip holds is never reached: still no identities.
        string onePairMore = $$""", "Tracking": { "Identities": { "CalibrationPairs": {{pairs + 1}}, "EndOfInputPairs": 0, "RememberPairs": {0} } }""";
        (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"atrium={cut}", "--threshold", Threshold, "--tasks", "reid",
            "--config", Config(onePairMore.Replace("{0}", "false", StringComparison.Ordinal)));
        Assert.True(exitCode == 0, output + error);
        Assert.Equal(0, Number(output, @"identities (\d+)"));
        Assert.Equal(pairs, await connection.ExecuteScalarAsync<int>(remembered)); // and nothing saved

        // With it (the default), the restart starts with the first run's pairs, learns the thresholds and gives identities.
        (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"atrium={cut}", "--threshold", Threshold, "--tasks", "reid",
            "--config", Config(onePairMore.Replace("{0}", "true", StringComparison.Ordinal)));
        Assert.True(exitCode == 0, output + error);
        Assert.True(Number(output, @"identities (\d+)") > 0, output + error);
        Assert.Equal(2 * pairs, await connection.ExecuteScalarAsync<int>(remembered)); // both runs' pairs, for the next one

        // A remembered sample that is not a set of cosines (a damaged row) is not used, and the run's own pairs replace it.
        await connection.ExecuteAsync("update identity_calibration_pairs set similarities = array_append(similarities, 'NaN'::real) where camera_id = 'atrium'");
        (exitCode, output, error) = await CliRunner.RunAsync("run", "--source", $"atrium={cut}", "--threshold", Threshold, "--tasks", "reid",
            "--config", Config(onePairMore.Replace("{0}", "true", StringComparison.Ordinal)));
        Assert.True(exitCode == 0, output + error);
        Assert.Equal(0, Number(output, @"identities (\d+)"));
        Assert.Equal(pairs, await connection.ExecuteScalarAsync<int>(remembered));

        // `db pairs` lists what is remembered; --forget drops a camera's, so that its next run learns anew.
        (exitCode, output, error) = await CliRunner.RunAsync("db", "pairs", "--config", Config());
        Assert.True(exitCode == 0, output + error);
        Assert.Matches($@"atrium\s+default-\S+\s+{pairs}\s+1536\s+\d{{4}}-", output);
        (exitCode, output, _) = await CliRunner.RunAsync("db", "pairs", "--forget", "atrium", "--config", Config());
        Assert.Equal(0, exitCode);
        Assert.Contains("Forgot the pairs of camera 'atrium' (1 weights version(s))", output, StringComparison.Ordinal);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>(remembered));
        (exitCode, _, error) = await CliRunner.RunAsync("db", "pairs", "--forget", "no such camera", "--config", Config());
        Assert.Equal(2, exitCode);
        Assert.Contains("Camera id 'no such camera' is not valid", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_options_and_missing_weights_stop_before_any_work_with_the_reason()
    {
        var (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--weights", Path.Combine(_dir, "none.safetensors"), "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("none.safetensors' does not exist", error, StringComparison.Ordinal);

        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--detection-stride", "0", "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("DetectionStride must be 1-1000", error, StringComparison.Ordinal);
        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--detection-tiles", "9", "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("DetectionTiles must be auto (by the frame's size) or 1 (the whole frame only) to 4 (got '9')", error, StringComparison.Ordinal);
        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--detection-tiles", "some", "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("(got 'some')", error, StringComparison.Ordinal);
        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--detection-tiles-every", "0", "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("DetectionTilesEvery must be 1-1000 (got 0)", error, StringComparison.Ordinal);
        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--config", Config(""", "Inference": { "CameraDetectionTiles": { "hall": -1 } }"""));
        Assert.Equal(2, code);
        Assert.Contains("Inference:CameraDetectionTiles: camera 'hall' has -1; 0 (auto) or 1", error, StringComparison.Ordinal);

        string notWeights = Path.Combine(_dir, "text.safetensors");
        await File.WriteAllTextAsync(notWeights, "hello");
        (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--weights", notWeights, "--config", Config());
        Assert.Equal(2, code);
        Assert.Contains("text.safetensors", error, StringComparison.Ordinal);

        // A misspelt key and a value out of range, each named with where it is, in one line.
        error = await RefusedConfigurationAsync("misspelt", """ "Tracking": { "Camera": { "HighScor": 0.5 } } """);
        Assert.Contains("Configuration section 'Tracking:Camera'", error, StringComparison.Ordinal);
        Assert.Contains("'HighScor'", error, StringComparison.Ordinal);
        error = await RefusedConfigurationAsync("range", """ "Tracking": { "Identities": { "MinSimilarity": 2 } } """);
        Assert.Contains("Identities: similarities must be in [-1, 1]", error, StringComparison.Ordinal);

        // A misspelt section, and a choice the host reads while it is built, are refused the same way.
        error = await RefusedConfigurationAsync("section", """ "Tracking": { "Tracker": { "HighScore": 0.5 } } """);
        Assert.Contains($"unknown section 'Tracking:Tracker' in {Path.Combine(_dir, "section.json")} (known: Tracking:Camera, Tracking:Identities)", error, StringComparison.Ordinal);
        error = await RefusedConfigurationAsync("transport", """ "Pipeline": { "Transport": "Pigeon" } """);
        Assert.Contains("(Pipeline:Transport is one of: InProcess, Kafka)", error, StringComparison.Ordinal);
    }

    // Runs the sample with the test's store and one more section (written to NAME.json); the run must be refused as bad
    // input (exit 2) without a stack trace. Returns what it printed on stderr.
    private async Task<string> RefusedConfigurationAsync(string name, string section)
    {
        string file = Path.Combine(_dir, name + ".json");
        await File.WriteAllTextAsync(file, $$"""{ "Store": { "ConnectionString": "{{database.ConnectionString}}" }, {{section}} }""");
        var (code, _, error) = await CliRunner.RunAsync("run", "-s", Sample, "--config", file);
        Assert.Equal(2, code);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal); // no stack trace
        return error;
    }

    private static string Sample => "sample=" + SampleVideo.Locate();

    // The default threshold: the committed model finds the sample's people at it (docs/default-model.md).
    private const string Threshold = "0.5";

    private string Config(string more = "")
    {
        string path = Path.Combine(_dir, "appsettings.json");
        // The store of the test; tracker and identity settings stay at their defaults, as in a user's run, unless a
        // test says otherwise (more: further sections, with a leading comma).
        File.WriteAllText(path, $$"""
            {
              "Store": { "ConnectionString": "{{database.ConnectionString}}" }{{more}}
            }
            """);
        return path;
    }

    private static long Number(string output, string pattern)
    {
        var match = Regex.Match(output, pattern);
        Assert.True(match.Success, $"'{pattern}' in:\n{output}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}
