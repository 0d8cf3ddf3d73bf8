namespace Reseal.Bench;

public static class Program
{
    public static void Main()
    {
    }
}
