using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using UniHCP.Pipeline.Store.Tests;

namespace UniHCP.Pipeline.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class ApiTests(ApiServer server)
{
    private static readonly string Window = $"from={Uri.EscapeDataString(SeedData.T0.ToString("O"))}&to={Uri.EscapeDataString(SeedData.T0.AddDays(2).ToString("O"))}";

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    [Fact]
    public async Task Every_api_endpoint_in_the_openapi_document_requires_a_key()
    {
        using var anonymous = server.Client(key: null);
        var document = await JsonAsync(await anonymous.GetAsync("/openapi/v1.json"));
        var operations = new List<(string Method, string Path)>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
                operations.Add((method.Name.ToUpperInvariant(), path.Name.Replace("{camera}", "cam-a", StringComparison.Ordinal).Replace("{track}", "1", StringComparison.Ordinal)));
        }
        Assert.Contains(("GET", "/api/search/attributes"), operations);
        Assert.Contains(("POST", "/api/search/similar"), operations);
        Assert.True(operations.Count >= 8, $"only {operations.Count} operations documented");

        using var wrong = server.Client(key: "not-the-key-0123456789");
        foreach (var (method, path) in operations)
        {
            await ProblemAsync(await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), HttpStatusCode.Unauthorized);
            await ProblemAsync(await wrong.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)), HttpStatusCode.Unauthorized);
        }
        // The page and its assets are public; the data behind them is not.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/app.js")).StatusCode);
    }

    [Fact]
    public async Task Tracks_detail_and_thumbnail_come_back_as_stored()
    {
        using var client = server.Client();
        var page = await JsonAsync(await client.GetAsync($"/api/tracks?{Window}&camera=cam-a"));
        var detail = await JsonAsync(await client.GetAsync("/api/tracks/cam-a/1"));
        var thumbnail = await client.GetAsync("/api/tracks/cam-a/1/thumbnail");

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        Assert.Equal(0.9, detail.GetProperty("detail").GetProperty("attributes").GetProperty("Female").GetDouble(), 4);
        Assert.Equal(21, detail.GetProperty("path").GetArrayLength());
        Assert.Equal("cam-b", detail.GetProperty("detail").GetProperty("sameIdentity")[0].GetProperty("cameraId").GetString());
        Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SeedData.Jpeg(SeedData.Appearances[0], 9), await thumbnail.Content.ReadAsByteArrayAsync());
        await ProblemAsync(await client.GetAsync("/api/tracks/cam-a/99"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Still_tracks_come_back_with_ignore_areas_around_them()
    {
        using var client = server.Client();
        // Seeded people drift 1 px a second under 100 px boxes: over 20 s P1's foot ranges 18 px (0.18 of its height),
        // the 30-s tracks' 27 px (0.27).
        var still = await JsonAsync(await client.GetAsync($"/api/tracks/still?{Window}"));
        var looser = await JsonAsync(await client.GetAsync($"/api/tracks/still?{Window}&minDuration=25s&maxSpread=0.3"));

        var track = Assert.Single(still.GetProperty("tracks").EnumerateArray());
        Assert.Equal(("cam-a", 1L), (track.GetProperty("cameraId").GetString(), track.GetProperty("trackId").GetInt64()));
        Assert.Equal(120, track.GetProperty("footY").GetDouble(), 6);
        Assert.Equal("still 1", still.GetProperty("ignoreAreas").GetProperty("cam-a")[0].GetProperty("name").GetString());
        // Points as the configuration takes them: x and y only.
        Assert.Equal(["x", "y"], still.GetProperty("ignoreAreas").GetProperty("cam-a")[0].GetProperty("points")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["cam-a/2", "cam-b/1", "cam-c/1"], looser.GetProperty("tracks").EnumerateArray()
            .Select(t => $"{t.GetProperty("cameraId").GetString()}/{t.GetProperty("trackId").GetInt64()}"));
        await ProblemAsync(await client.GetAsync($"/api/tracks/still?{Window}&minDuration=soon"), HttpStatusCode.BadRequest);
        await ProblemAsync(await client.GetAsync($"/api/tracks/still?{Window}&maxSpread=-1"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Attribute_search_similar_by_track_and_dashboard_answer_over_http()
    {
        using var client = server.Client();
        var attributes = await JsonAsync(await client.GetAsync($"/api/search/attributes?{Window}&where={Uri.EscapeDataString("Female>=0.6")}&where=Backpack"));
        var similar = await JsonAsync(await client.GetAsync($"/api/search/similar?{Window}&camera=cam-a&track=1&limit=2"));
        var dashboard = await JsonAsync(await client.GetAsync($"/api/dashboard?{Window}&bucket=1h"));

        Assert.Equal(["cam-c/1", "cam-a/1", "cam-b/1"], attributes.GetProperty("items").EnumerateArray().Select(Key));
        Assert.Equal(["cam-b/1", "cam-c/1"], similar.EnumerateArray().Select(Key));
        Assert.Equal(1.0, similar[0].GetProperty("score").GetDouble(), 4);
        Assert.Equal(8, dashboard.GetProperty("tracks").GetInt32()); // the seed's six and cam-x's two
        Assert.Equal("01:00:00", dashboard.GetProperty("bucket").GetString());
    }

    [Fact]
    public async Task The_model_registry_lists_registered_weights_with_their_times()
    {
        await new Store.Writing.ModelRegistry(server.DataSource).RegisterAsync("api-models-1", "{}", "[]", "{\"data\": \"test\"}", "/models/x.safetensors");
        using var client = server.Client();

        var models = await JsonAsync(await client.GetAsync("/api/models"));

        var model = models.EnumerateArray().Single(m => m.GetProperty("version").GetString() == "api-models-1");
        Assert.Equal("/models/x.safetensors", model.GetProperty("path").GetString());
        Assert.True((DateTimeOffset.UtcNow - model.GetProperty("created").GetDateTimeOffset()).Duration() < TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task Search_by_image_ranks_the_track_of_the_same_picture_first()
    {
        using var client = server.Client();
        var results = await JsonAsync(await client.PostAsync($"/api/search/similar?{Window}&in=cam-x", Upload(ApiServer.RedPerson, "red.jpg", "image/jpeg")));

        Assert.Equal(["cam-x/1", "cam-x/2"], results.EnumerateArray().Select(Key));
        Assert.Equal(1.0, results[0].GetProperty("score").GetDouble(), 3);
        Assert.True(results[1].GetProperty("score").GetDouble() < results[0].GetProperty("score").GetDouble());
    }

    [Theory]
    [InlineData("/api/tracks?from=not-a-date", "from")]
    [InlineData("/api/tracks?from=2026-13-45", "from")]
    [InlineData("/api/tracks?from=2026-01-02&to=2026-01-01", "to")]
    [InlineData("/api/tracks?pageSize=1000000", "pageSize")]
    [InlineData("/api/tracks?page=-1", "page")]
    [InlineData("/api/tracks?camera=x%27)%3Bdrop%20table%20tracks%3B--", "cameras")]
    [InlineData("/api/search/attributes?where=Female%3E%3D0.6%3Bdelete%20from%20tracks", "where")]
    [InlineData("/api/search/attributes?where=1%3D1%20or%20true", "where")]
    [InlineData("/api/search/attributes?where=Female&upper=red%27%20or%20%271%27%3D%271", "upper")]
    [InlineData("/api/search/attributes?where=Robbers_dot_com", "where")]
    [InlineData("/api/search/attributes", "where")]
    [InlineData("/api/search/similar?camera=cam-a&track=1%3Bdrop", "track")]
    [InlineData("/api/search/similar?camera=cam-a&track=1&limit=100000", "limit")]
    [InlineData("/api/search/similar?camera=cam-a&track=1&minSimilarity=NaN", "minSimilarity")]
    [InlineData("/api/tracks/cam-a/abc", "track")]
    [InlineData("/api/tracks/bad%20camera/1", "camera")]
    [InlineData("/api/dashboard?bucket=0s", "bucket")]
    [InlineData("/api/dashboard?bucket=1s", "bucket")]
    [InlineData("/api/search/attributes?byIdentity=maybe&where=Female", "byIdentity")]
    public async Task Hostile_and_malformed_queries_get_400_naming_the_parameter_and_change_nothing(string url, string parameter)
    {
        using var client = server.Client();
        string before = await FingerprintAsync();

        var problem = await ProblemAsync(await client.GetAsync(url), HttpStatusCode.BadRequest);

        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        Assert.Equal(before, await FingerprintAsync());
    }

    [Fact]
    public async Task A_huge_query_string_is_refused_with_a_4xx()
    {
        using var client = server.Client();
        var response = await client.GetAsync("/api/search/attributes?where=" + new string('A', 20_000));
        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task Uploads_of_the_wrong_type_too_large_corrupt_or_missing_are_refused()
    {
        using var client = server.Client();
        string before = await FingerprintAsync();

        await ProblemAsync(await client.PostAsync("/api/search/similar", Upload("just text, not an image"u8.ToArray(), "note.jpg", "image/jpeg")), HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(await client.PostAsync("/api/search/similar", Upload([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5, 6], "broken.jpg", "image/jpeg")), (HttpStatusCode)422);
        var oversized = new byte[300 * 1024];
        oversized[0] = 0xFF; oversized[1] = 0xD8; oversized[2] = 0xFF;
        await ProblemAsync(await client.PostAsync("/api/search/similar", Upload(oversized, "big.jpg", "image/jpeg")), HttpStatusCode.RequestEntityTooLarge);
        var wrongField = new MultipartFormDataContent { { new ByteArrayContent(ApiServer.RedPerson), "picture", "red.jpg" } };
        await ProblemAsync(await client.PostAsync("/api/search/similar", wrongField), HttpStatusCode.BadRequest);
        var json = await ProblemAsync(await client.PostAsync("/api/search/similar", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")), HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("multipart/form-data", json.GetProperty("detail").GetString(), StringComparison.Ordinal);

        Assert.Equal(before, await FingerprintAsync());
    }

    private static MultipartFormDataContent Upload(byte[] bytes, string name, string type)
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue(type);
        return new MultipartFormDataContent { { file, "image", name } };
    }

    private static string Key(JsonElement scored)
    {
        var track = scored.GetProperty("track");
        return $"{track.GetProperty("cameraId").GetString()}/{track.GetProperty("trackId").GetInt64()}";
    }

    // What a hostile request could have changed: row counts and the tracks' content.
    private async Task<string> FingerprintAsync()
    {
        await using var connection = await server.DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<string>(
            "select (select count(*) from observations) || '/' || (select count(*) from tracks) || '/' || (select md5(string_agg(camera_id || track_id || n || coalesce(identity_id, 0), ',' order by camera_id, track_id)) from tracks)") ?? "";
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiServer>
{
    public const string Name = "api";
}
